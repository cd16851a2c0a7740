import Foundation
import Logging
import MedIO
import Raster
import Testing
@testable import Pipeline

/// `report.html` rendered by a real headless browser (Debian's `chromium`): the page must load
/// from the file alone and show something — the heat-map thumbnails give it colour.
@Suite final class HTMLReportBrowserTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("html-report")
    }

    deinit {
        // MEDVMAD_KEEP_TEST_OUTPUT keeps the run (report and screenshot) for a look by eye.
        if ProcessInfo.processInfo.environment["MEDVMAD_KEEP_TEST_OUTPUT"] == nil { try? FileManager.default.removeItem(atPath: root) }
    }

    static func chromium() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/chromium"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the pipeline on a NIfTI volume (with a file name that needs escaping) and a DICOM CT.
    func runPipeline() throws -> String {
        try MedVMADSeriesProcessorTests.makeModel(at: root + "/model")
        try PipelineTestSupport.writeVolume(root + "/in/vol&<x>.nii.gz", size: [24, 20, 3], seed: 0)
        let ct = PipelineTestSupport.repositoryRoot + "/sample-data/dicom/CT_small.dcm"
        try FileManager.default.createDirectory(atPath: root + "/in/ct", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ct, toPath: root + "/in/ct/CT_small.dcm")
        // Threshold 0 flags every slice, so every slice gets a thumbnail.
        let yaml = """
        name: "report <test> & co"
        output: out
        ingest:
          folders: [in]
        select:
          - name: all
            min_slices: 1
        prepare:
          skip_empty: false
        infer:
          model: model
          class_name: brain
          threshold: 0
          batch_size: 4
        write:
          outputs: [png]
        report:
          formats: [json, csv, html]
        """
        let spec = try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let summary = try PipelineRunner(spec: spec, processor: MedVMADSeriesProcessor(spec: spec), logger: logger, interactiveProgress: false).run()
        #expect(summary.completed == 2 && summary.failed == 0, "\(summary.failures)")
        return root + "/out/report.html"
    }

    @Test func reportIsSelfContainedAndEscaped() throws {
        let html = try String(contentsOfFile: try runPipeline(), encoding: .utf8)
        // No external resources: every src is a data URI, no scripts, no links out.
        let sources = html.components(separatedBy: "src=\"").dropFirst()
        #expect(!sources.isEmpty && sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
        // Names from files and the pipeline file are escaped.
        #expect(html.contains("vol&amp;&lt;x&gt;") && !html.contains("vol&<x>"))
        #expect(html.contains("report &lt;test&gt; &amp; co") && !html.contains("<test>"))
        #expect(html.contains("not for clinical use"))
        // Verdicts with threshold source; the 0 threshold from the pipeline file flags slices.
        #expect(html.contains("pipeline file") && html.contains("anomaly"))
        // Each embedded thumbnail decodes as a PNG no larger than the thumbnail size.
        for source in sources {
            let base64 = String(source.dropFirst("data:image/png;base64,".count).prefix { $0 != "\"" })
            let data = try #require(Data(base64Encoded: base64))
            let path = root + "/thumb.png"
            try data.write(to: URL(fileURLWithPath: path))
            let image = try PNGFile.read(path)
            #expect(max(image.width, image.height) == OutputWriter.thumbnailSide)
        }
    }

    @Test func headlessBrowserRendersTheReport() throws {
        guard let browser = Self.chromium() else {
            print("chromium not installed (apt-get install -y chromium); skipping the browser rendering test")
            return
        }
        let report = try runPipeline()
        let screenshot = root + "/screenshot.png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        // A private profile folder: several runs at once must not share one.
        process.arguments = ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(root)/profile",
                             "--screenshot=\(screenshot)", "--window-size=1200,2000", URL(fileURLWithPath: report).absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let image = try PNGFile.read(screenshot)
        #expect(image.width == 1200 && image.height == 2000)
        // Not blank: text, tables and the colour heat maps give many distinct colours, several of them
        // saturated (a page of black text on white would have grey anti-aliasing only).
        var colours = Set<UInt32>()
        var saturated = 0
        let c = image.channels
        image.pixels.withUnsafeBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: c) {
                let (r, g, b) = (p[i], p[i + 1], p[i + 2])
                colours.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b))
                if Int(max(r, g, b)) - Int(min(r, g, b)) > 100 { saturated += 1 }
            }
        }
        #expect(colours.count > 500, "\(colours.count) distinct colours")
        #expect(saturated > 1000, "\(saturated) saturated pixels")
    }
}
