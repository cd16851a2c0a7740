import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import MedIO
import Testing
@testable import Pipeline

/// Where the loopback Orthanc of `orthanc-loopback.sh` listens (exported by `.ci/run`); nil when it is not running.
private let orthanc: (url: String, dicomPort: Int, aeTitle: String)? = {
    let environment = ProcessInfo.processInfo.environment
    guard let url = environment["MEDVMAD_ORTHANC_URL"], let port = environment["MEDVMAD_ORTHANC_DICOM_PORT"].flatMap(Int.init),
          let aet = environment["MEDVMAD_ORTHANC_AET"] else { return nil }
    return (url, port, aet)
}()

/// Counts the jobs the real processor is asked to process.
struct CountedProcessor: SeriesProcessor {
    let inner: MedVMADSeriesProcessor
    let calls = CallLog()

    func process(_ job: PipelineJob, context: JobContext) throws -> JobResult {
        calls.record(job.inputKey)
        return try inner.process(job, context: context)
    }
}

/// The send stage against a real Orthanc: a real pipeline (sample DICOM, tiny random-weight model)
/// sends its SC and SEG objects by C-STORE, and Orthanc's REST API says what arrived. A send that
/// fails (wrong port, a file the peer does not store) is recorded per file and retried on the next
/// run without processing again, and nothing arrives twice.
@Suite(.enabled(if: orthanc != nil, "needs a loopback Orthanc: run Tests/PipelineTests/orthanc-loopback.sh start DIR and source DIR/orthanc.env"),
       .serialized)
final class OrthancSendTests {
    let root: String

    init() throws {
        root = try PipelineTestSupport.temporaryFolder("orthanc")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: Orthanc's REST API

    func rest(_ method: String, _ path: String, body: String? = nil) async throws -> Any {
        let server = try #require(orthanc)
        var request = URLRequest(url: try #require(URL(string: server.url + path)))
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        try #require(status == 200, "\(method) \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        return data.isEmpty ? [:] as [String: Any] : try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// Every instance Orthanc holds in `studies`, by SOP Instance UID: its SOP class and Orthanc id.
    func stored(inStudies studies: Set<String>) async throws -> [String: (sopClass: String, id: String)] {
        var result: [String: (sopClass: String, id: String)] = [:]
        for id in try await rest("GET", "/instances") as! [String] {
            let tags = try await rest("GET", "/instances/\(id)/tags?simplify") as! [String: Any]
            guard let study = tags["StudyInstanceUID"] as? String, studies.contains(study) else { continue }
            let uid = tags["SOPInstanceUID"] as! String
            // Orthanc keys instances by their UIDs, so one SOP Instance UID cannot appear twice here.
            #expect(result[uid] == nil)
            result[uid] = (tags["SOPClassUID"] as! String, id)
        }
        return result
    }

    /// For each Orthanc instance id, the sequence number of its latest arrival in `/changes` (with
    /// OverwriteInstances on, every store of an instance, even of one already held, is a new arrival).
    func arrivals() async throws -> [String: Int] {
        var result: [String: Int] = [:]
        var since = 0
        while true {
            let page = try await rest("GET", "/changes?since=\(since)&limit=1000") as! [String: Any]
            for change in page["Changes"] as! [[String: Any]] where change["ChangeType"] as? String == "NewInstance" {
                result[change["ID"] as! String] = change["Seq"] as? Int
            }
            since = page["Last"] as! Int
            if page["Done"] as? Bool == true { return result }
        }
    }

    /// Removes what an earlier run of this test left in these studies.
    func forget(studies: Set<String>) async throws {
        for uid in studies {
            for match in try await rest("POST", "/tools/lookup", body: uid) as! [[String: Any]] where match["Type"] as? String == "Study" {
                _ = try await rest("DELETE", match["Path"] as! String)
            }
        }
    }

    // MARK: The pipeline

    /// A port nothing listens on: bound by the kernel and released.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func spec(port: Int) throws -> PipelineSpec {
        let server = try #require(orthanc)
        let yaml = """
        name: orthanc-send
        output: out
        ingest:
          folders: [in]
        select:
          - name: all
            min_slices: 1
        prepare:
          window: auto
          skip_empty: false
        infer:
          model: model
          class_name: brain
        write:
          outputs: [sc, seg]
        send:
          ae_title: \(server.aeTitle)
          host: 127.0.0.1
          port: \(port)
          calling_ae: MEDVMAD
        execution:
          retries: 1
        """
        return try PipelineLoader.load(yaml: yaml, path: root + "/p.yaml", environment: PipelineTestSupport.environment()).get()
    }

    func run(_ spec: PipelineSpec, _ processor: CountedProcessor) throws -> RunSummary {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try PipelineRunner(spec: spec, processor: processor, logger: logger, interactiveProgress: false).run()
    }

    func jobs() throws -> [PipelineJob] {
        try JobStore(outputFolder: root + "/out").jobs()
    }

    @Test func resultsArriveOnceAndFailedSendsAreRetriedFileByFile() async throws {
        let server = try #require(orthanc)
        try MedVMADSeriesProcessorTests.makeModel(at: root + "/model")
        let samples = PipelineTestSupport.repositoryRoot + "/sample-data/dicom/"
        for name in ["CT_small.dcm", "MR_small.dcm"] {
            try FileManager.default.createDirectory(atPath: root + "/in/" + name, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: samples + name, toPath: root + "/in/\(name)/\(name)")
        }
        let sourceStudies = Set(try ["CT_small.dcm", "MR_small.dcm"].map { try DicomHeader.read(path: samples + $0).studyInstanceUID })
        try await forget(studies: sourceStudies)

        // 1. Nothing listens on the port: both jobs fail with the send's reason, keep their outputs,
        //    and record nothing as sent; nothing arrives.
        let wrong = try spec(port: try Self.closedPort())
        let processor = CountedProcessor(inner: MedVMADSeriesProcessor(spec: wrong))
        let first = try run(wrong, processor)
        #expect(first.failed == 2 && first.completed == 0)
        #expect(processor.calls.all.count == 2, "retries resend; they do not process again")
        for job in try jobs() {
            #expect(job.state == .failed && job.attempts == 2)
            #expect(job.error?.contains("sending to \(server.aeTitle)@127.0.0.1") == true && job.error?.contains("0 of 2 files stored") == true,
                    "\(job.error ?? "")")
            #expect(job.sentList.isEmpty)
            #expect(job.outputList.filter { $0.hasSuffix(".dcm") }.count == 2)
        }
        #expect(try await stored(inStudies: sourceStudies).isEmpty)

        // What was written, read back from the files: the instances Orthanc must end up holding.
        let written = try jobs().flatMap(\.outputList).filter { $0.hasSuffix(".dcm") }
        var expected: [String: String] = [:]
        for file in written {
            let header = try DicomHeader.read(path: root + "/out/" + file)
            expected[header.sopInstanceUID] = header.sopClassUID
        }
        #expect(expected.count == 4)
        #expect(Set(expected.values) == [DicomSecondaryCaptureWriter.sopClassUID, DicomSegWriter.sopClassUID])

        // 2. The right port, but one file the peer cannot store (dcmsend skips a file that is not
        //    DICOM): the rest arrive and are recorded per file; that job stays failed naming the file.
        let right = try spec(port: server.dicomPort)
        let damaged = try #require(written.first { $0.contains("/sc/") })
        let damagedPath = root + "/out/" + damaged
        let original = try Data(contentsOf: URL(fileURLWithPath: damagedPath))
        try Data("not DICOM".utf8).write(to: URL(fileURLWithPath: damagedPath))
        let resend = CountedProcessor(inner: MedVMADSeriesProcessor(spec: right))
        let second = try run(right, resend)
        #expect(resend.calls.all.isEmpty, "outputs of the failed send are reused, not computed again")
        #expect(second.completed == 1 && second.failed == 1)
        let partial = try #require(try jobs().first { $0.outputList.contains(damaged) })
        // The retry within the run sent only the file still missing: its reason names that one file.
        #expect(partial.state == .failed && partial.error?.contains("0 of 1 files stored; not stored: \((damaged as NSString).lastPathComponent)") == true,
                "\(partial.error ?? "")")
        #expect(partial.sentList == partial.outputList.filter { $0.hasSuffix(".dcm") && $0 != damaged })
        let other = try #require(try jobs().first { $0.inputKey != partial.inputKey })
        #expect(other.state == .done && Set(other.sentList) == Set(other.outputList.filter { $0.hasSuffix(".dcm") }))
        var held = try await stored(inStudies: sourceStudies)
        #expect(held.count == 3)
        let before = try await arrivals()

        // 3. The file is whole again: only it is sent; every instance is held once, with the UIDs and
        //    SOP classes written, and nothing sent earlier arrived again.
        try original.write(to: URL(fileURLWithPath: damagedPath))
        let third = try run(right, resend)
        #expect(resend.calls.all.isEmpty)
        #expect(third.completed == 1 && third.failed == 0 && third.upToDate == 1)
        for job in try jobs() {
            #expect(job.state == .done && job.error == nil)
            #expect(Set(job.sentList) == Set(job.outputList.filter { $0.hasSuffix(".dcm") }))
        }
        held = try await stored(inStudies: sourceStudies)
        #expect(Set(held.keys) == Set(expected.keys))
        for (uid, sopClass) in expected { #expect(held[uid]?.sopClass == sopClass) }
        let after = try await arrivals()
        let damagedHeader = try DicomHeader.read(path: damagedPath)
        for (uid, instance) in held where uid != damagedHeader.sopInstanceUID {
            #expect(after[instance.id] == before[instance.id], "instance \(uid) was stored again")
        }
        #expect(after[try #require(held[damagedHeader.sopInstanceUID]).id] != nil)

        // 4. All done: a further run sends nothing.
        let fourth = try run(right, resend)
        #expect(fourth.upToDate == 2 && resend.calls.all.isEmpty)
        #expect(try await arrivals() == after)
    }
}
