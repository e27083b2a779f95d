#ifndef LITEVL_FFMPEG_SHIM_H
#define LITEVL_FFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libavutil/error.h>
#include <libavutil/crc.h>
#include <errno.h>

// Macros and constants Swift cannot import.
static inline int litevl_averror(int e) { return AVERROR(e); }
static inline int litevl_averror_eof(void) { return AVERROR_EOF; }
static inline int litevl_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int litevl_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t litevl_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational litevl_time_base_q(void) { AVRational r = { 1, AV_TIME_BASE }; return r; }
static inline int litevl_time_base(void) { return AV_TIME_BASE; }
static inline void litevl_av_log_quiet(void) { av_log_set_level(AV_LOG_QUIET); }
static inline void litevl_av_log_level(int level) { av_log_set_level(level); }
/// Writes FFmpeg's text for an error code into buf and returns buf.
static inline const char *litevl_err2str(int err, char *buf, size_t size) {
    av_strerror(err, buf, size);
    return buf;
}
static inline int litevl_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int litevl_seek_flag_backward(void) { return AVSEEK_FLAG_BACKWARD; }
// --- Added for VideoDecoding (swscale set-up matching ffmpeg's scale filter, frame scaling). ---
#include <libavutil/opt.h>
/// An initialised swscale context with explicit chroma siting, as libavfilter's scale filter
/// configures it (`src_v_chr_pos` = 128 for yuv420p: MPEG-2 chroma positions). NULL on failure.
static inline struct SwsContext *litevl_sws_context(int srcW, int srcH, int srcFormat,
                                                    int dstW, int dstH, int dstFormat,
                                                    int flags, int srcHChrPos, int srcVChrPos) {
    struct SwsContext *s = sws_alloc_context();
    if (!s) return NULL;
    av_opt_set_int(s, "srcw", srcW, 0);
    av_opt_set_int(s, "srch", srcH, 0);
    av_opt_set_int(s, "src_format", srcFormat, 0);
    av_opt_set_int(s, "dstw", dstW, 0);
    av_opt_set_int(s, "dsth", dstH, 0);
    av_opt_set_int(s, "dst_format", dstFormat, 0);
    av_opt_set_int(s, "sws_flags", flags, 0);
    av_opt_set_int(s, "src_h_chr_pos", srcHChrPos, 0);
    av_opt_set_int(s, "src_v_chr_pos", srcVChrPos, 0);
    if (sws_init_context(s, NULL, NULL) < 0) { sws_freeContext(s); return NULL; }
    return s;
}
/// Scales a whole decoded frame into one packed destination plane.
static inline int litevl_sws_scale_frame(struct SwsContext *c, const AVFrame *f, uint8_t *dst, int dstStride) {
    uint8_t *planes[4] = { dst, NULL, NULL, NULL };
    int strides[4] = { dstStride, 0, 0, 0 };
    return sws_scale(c, (const uint8_t * const *)f->data, f->linesize, 0, f->height, planes, strides);
}
static inline int litevl_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int litevl_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int litevl_averror_exit(void) { return AVERROR_EXIT; }
#endif
