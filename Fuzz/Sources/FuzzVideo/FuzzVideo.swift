import FuzzSupport
import VideoDecoding

/// The video opener on mutated small real clips: `VideoFile.open`, `probe()`, then
/// `FrameSampler.sample` of 3 frames at 32x32 (all through FFmpeg). Must either succeed or throw
/// `VideoError`. The file has no extension, so FFmpeg detects the container from the bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(data, size, name: "clip")
    guard let file = try? VideoFile.open(path, threads: 1) else { return 0 }
    _ = file.probe()
    let sampler = FrameSampler(count: 3, size: 32, thumbnailMaxWidth: 16, thumbnailMaxHeight: 12, timeLimit: 10)
    _ = try? sampler.sample(file)
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
