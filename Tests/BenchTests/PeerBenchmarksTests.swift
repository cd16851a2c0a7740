import Foundation
import XCTest
@testable import medvmad

/// `medvmad bench`'s peer plumbing: parsing the peer scripts' result lines, the ratios, and a run
/// through a stand-in `python` that prints recorded lines (the real peers take minutes).
final class PeerBenchmarksTests: XCTestCase {
    // Lines as the scripts in scripts/peers print them (format strings at their ends).
    static let ortLines = [
        "onnxruntime 1.32.0 threads=2 batch=1 per-image median 0.970s min 0.951s",
        "onnxruntime 1.32.0 threads=2 batch=8 per-image median 1.070s min 1.052s",
    ]
    static let torchLine = "torch 2.13.0+cpu threads=2 batch=1 per-image median 2.660s min 2.610s"
    static let trainLine = "torch 2.13.0+cpu threads=2 batch=8: train step 35.20s (4.40s/image), inference forward 2.08s/image"

    func testParsesEachScriptsResultLine() {
        XCTAssertEqual(PeerBenchmarks.parse(line: Self.ortLines[1]),
                       [.init(peer: "onnxruntime", version: "1.32.0", key: "vision_forward_b8_seconds_per_image", seconds: 1.052, median: 1.070)])
        XCTAssertEqual(PeerBenchmarks.parse(line: Self.torchLine),
                       [.init(peer: "torch", version: "2.13.0+cpu", key: "vision_forward_b1_seconds_per_image", seconds: 2.610, median: 2.660)])
        // Recorded from scripts/peers/torch_vitl_bench.py on a heavily shared 2-core machine (hence the time).
        XCTAssertEqual(PeerBenchmarks.parse(line: "torch 2.13.0+cpu threads=2 batch=1 per-image median 44.381s min 44.061s"),
                       [.init(peer: "torch", version: "2.13.0+cpu", key: "vision_forward_b1_seconds_per_image", seconds: 44.061, median: 44.381)])
        XCTAssertEqual(PeerBenchmarks.parse(line: Self.trainLine), [
            .init(peer: "torch", version: "2.13.0+cpu", key: "training_step_b8_seconds_per_image", seconds: 4.40, median: nil),
            .init(peer: "torch", version: "2.13.0+cpu", key: "medvmad_inference_b8_seconds_per_image", seconds: 2.08, median: nil),
        ])
        // Warnings and other noise give nothing; a whole output gives every result line's figures.
        XCTAssertEqual(PeerBenchmarks.parse(line: "UserWarning: torch.onnx.export is deprecated"), [])
        XCTAssertEqual(PeerBenchmarks.parse(line: "torch 2.13.0 threads=2 batch=x per-image median 1s min 1s"), [])
        XCTAssertEqual(PeerBenchmarks.parse(output: (["warming up"] + Self.ortLines + [""]).joined(separator: "\n")).map(\.key),
                       ["vision_forward_b1_seconds_per_image", "vision_forward_b8_seconds_per_image"])
    }

    func testRatiosAndAnchorsInTheFigures() throws {
        var figures: [String: Any] = ["vision_forward_b1_seconds_per_image": 1.5, "medvmad_inference_b8_seconds_per_image": 3.0]
        let timed = [("vision_forward_b1_seconds_per_image", "vision forward, batch 1"), ("medvmad_inference_b8_seconds_per_image", "MedVMAD inference, batch 8")]
        // Only ONNX Runtime ran: its ratio, and torch's recorded anchors beside the figures.
        var peers = BenchCommand.PeerRun()
        peers.figures = PeerBenchmarks.parse(output: Self.ortLines.joined(separator: "\n"))
        peers.status = ["onnxruntime": "ran", "torch": "not run: python3 cannot import torch"]
        let lines = BenchCommand.sideBySide(figures: &figures, timed: timed.map { (key: $0.0, label: $0.1) }, peers: peers)
        XCTAssertEqual(try XCTUnwrap(figures["vision_forward_b1_ratio_onnxruntime"] as? Double), 1.5 / 0.951, accuracy: 1e-12)
        XCTAssertEqual(figures["vision_forward_b1_onnxruntime_seconds_per_image"] as? Double, 0.951)
        XCTAssertNil(figures["vision_forward_b1_ratio_torch"])
        XCTAssertEqual(figures["vision_forward_b1_anchor_torch_seconds_per_image"] as? Double, PeerBenchmarks.anchors["vision_forward_b1_seconds_per_image"]?["torch"])
        XCTAssertEqual(figures["medvmad_inference_b8_anchor_torch_seconds_per_image"] as? Double, 2.08)
        // The batch-8 ONNX Runtime figure has no medvmad counterpart this run: recorded, no ratio.
        XCTAssertEqual(figures["vision_forward_b8_onnxruntime_seconds_per_image"] as? Double, 1.052)
        XCTAssertNil(figures["vision_forward_b8_ratio_onnxruntime"])
        XCTAssertNotNil(figures["anchors_note"])
        XCTAssertTrue(lines[0].hasPrefix("vision forward, batch 1: medvmad 1.500 s/image | onnxruntime 1.32.0 0.951 s/image, ratio 1.58 | torch anchor 2.66"), lines[0])
        XCTAssertNoThrow(try JSONSerialization.data(withJSONObject: figures))
        // Another preset's figures get no ViT-L/14@336 anchors.
        var other: [String: Any] = ["vision_forward_b1_seconds_per_image": 0.2]
        _ = BenchCommand.sideBySide(figures: &other, timed: [(key: "vision_forward_b1_seconds_per_image", label: "b1")],
                                    peers: BenchCommand.PeerRun(), showAnchors: false)
        XCTAssertNil(other.keys.first { $0.contains("anchor") })
        XCTAssertNil(PeerBenchmarks.ratio(medvmad: 1, peer: 0))
        XCTAssertEqual(PeerBenchmarks.ratioKey("training_step_b8_seconds_per_image", peer: "torch"), "training_step_b8_ratio_torch")
    }

    /// A folder with empty peer scripts and a stand-in python that answers the module probe with
    /// `modules` and prints the recorded result line of whichever script it is given.
    func makeStub(modules: [String], failing: String? = nil) throws -> (dir: String, python: String) {
        let dir = NSTemporaryDirectory() + "medvmad-peers-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["ort_vitl_bench.py", "torch_vitl_bench.py", "torch_medvmad_train_bench.py"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(dir)/\(f)", contents: Data("# stand-in\n".utf8)))
        }
        let python = "\(dir)/python"
        let script = """
            #!/bin/sh
            if [ "$1" = "-c" ]; then
              shift 2
              for m in "$@"; do case " \(modules.joined(separator: " ")) " in *" $m "*) echo "$m";; *) echo "";; esac; done
              exit 0
            fi
            case "$(basename "$1")" in
              \(failing ?? "none")) echo "Traceback: boom" >&2; exit 3;;
              ort_vitl_bench.py) echo "some warning" >&2; echo "\(Self.ortLines[0].replacingOccurrences(of: "threads=2", with: "threads=$2"))"; echo "\(Self.ortLines[1])";;
              torch_vitl_bench.py) echo "torch 2.13.0+cpu threads=$2 batch=$3 per-image median 2.660s min 2.610s";;
              torch_medvmad_train_bench.py) echo "\(Self.trainLine)";;
            esac
            """
        XCTAssertTrue(FileManager.default.createFile(atPath: python, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        return (dir, python)
    }

    func testPeersRunThroughAStandInPython() throws {
        let stub = try makeStub(modules: ["torch", "transformers", "onnx", "onnxruntime", "numpy"])
        XCTAssertEqual(PeerBenchmarks.availableModules(python: stub.python, modules: ["torch", "onnxruntime", "jax"]), ["torch", "onnxruntime"])
        let command = try BenchCommand.parse(["--python", stub.python, "--peer-scripts", stub.dir, "--batches", "1", "--batches", "8"])
        let run = command.runPeers(preset: .vitL14At336, threads: 2)
        XCTAssertEqual(Set(run.figures.map { "\($0.peer) \($0.key)" }), [
            "onnxruntime vision_forward_b1_seconds_per_image", "onnxruntime vision_forward_b8_seconds_per_image",
            "torch vision_forward_b1_seconds_per_image", "torch vision_forward_b8_seconds_per_image",
            "torch training_step_b8_seconds_per_image", "torch medvmad_inference_b8_seconds_per_image",
        ])
        XCTAssertTrue(run.status["onnxruntime"]?.hasPrefix("ran ort_vitl_bench.py 2 (onnxruntime 1.32.0") == true, "\(run.status)")
        XCTAssertTrue(run.status["torch"]?.hasPrefix("ran torch_vitl_bench.py 2 1") == true, "\(run.status)")

        var figures: [String: Any] = ["vision_forward_b8_seconds_per_image": 2.0, "training_step_b8_seconds_per_image": 2.2]
        _ = BenchCommand.sideBySide(figures: &figures, timed: [(key: "vision_forward_b8_seconds_per_image", label: "b8"),
                                                              (key: "training_step_b8_seconds_per_image", label: "train")], peers: run)
        XCTAssertEqual(try XCTUnwrap(figures["vision_forward_b8_ratio_torch"] as? Double), 2.0 / 2.61, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(figures["vision_forward_b8_ratio_onnxruntime"] as? Double), 2.0 / 1.052, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(figures["training_step_b8_ratio_torch"] as? Double), 2.2 / 4.40, accuracy: 1e-12)
        XCTAssertNil(figures["anchors_note"], "every figure had a measured peer")
    }

    func testMissingModulesAndFailingScriptsFallBackToAnchors() throws {
        // torch only, and its vision script crashes: the training peer still counts.
        let stub = try makeStub(modules: ["torch", "transformers"], failing: "torch_vitl_bench.py")
        let command = try BenchCommand.parse(["--python", stub.python, "--peer-scripts", stub.dir, "--batches", "1"])
        let run = command.runPeers(preset: .vitL14At336, threads: 2)
        XCTAssertEqual(run.status["onnxruntime"], "not run: \(stub.python) cannot import onnx, onnxruntime, numpy")
        let torch = try XCTUnwrap(run.status["torch"])
        XCTAssertTrue(torch.contains("failed: torch_vitl_bench.py 2 1: exited with status 3: Traceback: boom") && torch.contains("ran torch_medvmad_train_bench.py"), torch)
        var figures: [String: Any] = ["vision_forward_b1_seconds_per_image": 1.0]
        _ = BenchCommand.sideBySide(figures: &figures, timed: [(key: "vision_forward_b1_seconds_per_image", label: "b1")], peers: run)
        XCTAssertEqual(figures["vision_forward_b1_anchor_onnxruntime_seconds_per_image"] as? Double, 0.97)
        XCTAssertEqual(figures["vision_forward_b1_anchor_torch_seconds_per_image"] as? Double, 2.66)
        XCTAssertNil(figures.keys.first { $0.contains("ratio") })

        // --skip-peers and other presets run nothing.
        XCTAssertEqual(try BenchCommand.parse(["--skip-peers", "--python", stub.python]).runPeers(preset: .vitL14At336, threads: 2).status["torch"], "not run (--skip-peers)")
        XCTAssertTrue(try BenchCommand.parse(["--python", stub.python]).runPeers(preset: .vitB32, threads: 2).figures.isEmpty)
    }
}
