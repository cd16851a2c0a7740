import ArgumentParser
import CLIP
import Foundation
import Tensor

/// The `--preset` option of the commands that read CLIP weights.
func parsePreset(_ name: String?) throws -> CLIPConfig.Preset? {
    guard let name else { return nil }
    guard let p = CLIPConfig.Preset(name: name) else {
        throw ValidationError("unknown preset '\(name)'; known: \(CLIPConfig.Preset.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return p
}

/// Terminal helpers for the commands: progress bars on a TTY, plain lines otherwise.
enum Terminal {
    static var isInteractive: Bool { isatty(STDERR_FILENO) != 0 }

    /// Writes a progress line to stderr: a redrawn bar on a terminal, a plain line otherwise.
    static func progress(done: Int, total: Int, label: String, detail: String, elapsed: Double, final: Bool = false) {
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let timing = "elapsed \(duration(elapsed)), ETA \(duration(eta))"
        if isInteractive {
            let width = 28
            let filled = Int(frac * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(done)/\(total) \(detail) \(timing)\u{1B}[K\(final ? "\n" : "")".utf8))
        } else if final || done == total || done % max(1, total / 10) == 0 {
            FileHandle.standardError.write(Data("\(label) \(done)/\(total) \(detail) \(timing)\n".utf8))
        }
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }

    /// Sets BLAS threads and the elementwise workers together so the cores are not oversubscribed.
    static func configureThreads(_ n: Int?) {
        guard let n, n > 0 else { return }
        BLAS.threads = n
        Parallel.workers = n
    }
}
