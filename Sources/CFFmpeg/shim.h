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
#endif
