import Foundation
import LiteVL
import TerminalUI

/// Finds the files the program ships with (Assets/): the bundled model and the demo clip.
///
/// Looked up, in order: `$LITEVL_ASSETS`, an `Assets` folder beside or above the executable (a
/// build inside the repository), an `Assets` folder above the current directory.
enum Assets {
    static var directory: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["LITEVL_ASSETS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var starts: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()]
        starts.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        for start in starts {
            var dir = start
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("Assets")
                if fm.fileExists(atPath: candidate.appendingPathComponent("vocab.txt").path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// The bundled model directory.
    static var defaultModel: URL? { directory?.appendingPathComponent("models/litevl-tiny") }

    /// The clip the TUI opens when none is given: the first clip of the demo manifest
    /// (`clips/demo.jsonl`, the ShapesQA demo clips), else the Big Buck Bunny excerpt.
    static var defaultClip: URL? {
        guard let clips = directory?.appendingPathComponent("clips") else { return nil }
        if let first = try? Manifest.read(clips.appendingPathComponent("demo.jsonl").path, answers: .optional).first,
           FileManager.default.fileExists(atPath: first.video) {
            return URL(fileURLWithPath: first.video)
        }
        let fallback = clips.appendingPathComponent("bigbuckbunny.mp4")
        return FileManager.default.fileExists(atPath: fallback.path) ? fallback : nil
    }
}

/// A failure reported as one line on standard error with a non-zero exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 1
}

/// Writes `litevl: <message>` to standard error, always as one line: control characters (a newline
/// or an escape sequence in a file name or a question) are shown as `^J`, `^[`, never sent to the terminal.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("litevl: \(terminalSafe(message))\n".utf8))
}

/// `text` with C0 controls as `^@`…`^_`, DEL as `^?` and C1 controls as `\u{80}`…: safe to print on a
/// terminal and one line.
func terminalSafe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: \.isTerminalControl) else { return text }
    var out = String.UnicodeScalarView()
    for u in text.unicodeScalars {
        switch u.value {
        case 0..<0x20: out.append("^"); out.append(Unicode.Scalar(UInt8(u.value + 0x40)))
        case 0x7F: out.append(contentsOf: "^?".unicodeScalars)
        case 0x80...0x9F: out.append(contentsOf: "\\u{\(String(u.value, radix: 16))}".unicodeScalars)
        default: out.append(u)
        }
    }
    return String(out)
}

/// Writes one line of human-readable output to standard output, terminal-safe (``terminalSafe(_:)``):
/// model names, answers, questions, tensor and file names come from files and users, and a newline or
/// an escape inside them is shown as `^J`, `^[`, never as a second line or a terminal command.
func printText(_ line: String) {
    print(terminalSafe(line))
}

/// Writes a line to standard error (progress and warnings, never mixed into JSON on stdout); control
/// characters (from a file name) shown as `^J`, `^[` like ``printError(_:)``.
func printNote(_ message: String) {
    FileHandle.standardError.write(Data("\(terminalSafe(message))\n".utf8))
}

/// `object` as JSON text (what `--json` prints). A value JSON cannot hold (NaN, infinity) is a
/// failure with a message, never a crash.
func jsonText(_ object: Any, pretty: Bool = true) throws(CommandFailure) -> String {
    var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
    if pretty { options.insert(.prettyPrinted) }
    guard JSONSerialization.isValidJSONObject(object),
          let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
        throw CommandFailure(message: "cannot write the result as JSON: it holds a value JSON cannot represent (NaN or infinity)", code: 2)
    }
    return String(decoding: data, as: UTF8.self)
}

/// A failure of answering or searching: exit 1 for a bad input (the question, ``ModelError/badInput(_:)``),
/// 2 for the model's own problems (it computed NaN, it cannot search); `prefix` names the item (an eval
/// manifest's video).
func answerFailure(_ error: any Error, prefix: String = "") -> CommandFailure {
    let modelProblem: Bool
    switch error as? ModelError {
    case .badInput?, nil: modelProblem = false
    default: modelProblem = true
    }
    return CommandFailure(message: prefix + "\(error)", code: modelProblem ? 2 : 1)
}
