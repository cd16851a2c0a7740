import Foundation
import Testing
@testable import Pipeline

/// C-STORE through dcmsend to a DCMTK storescp on loopback.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/storescp"), "needs dcmtk's storescp"))
struct DicomSenderTests {
    func startReceiver(port: Int, into folder: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/storescp")
        process.arguments = ["--aetitle", "TESTPACS", "--output-directory", folder, "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.3)
        return process
    }

    /// SOP Instance UID and Rows/Columns as dcmdump prints them.
    func dump(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dcmdump")
        process.arguments = ["+P", "0008,0018", "+P", "0028,0010", "+P", "0028,0011", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    @Test func sentFilesArriveAndARefusalIsAClearError() throws {
        let root = try PipelineTestSupport.temporaryFolder("send")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/received", withIntermediateDirectories: true)
        let port = Int.random(in: 20_000...40_000)
        let receiver = try startReceiver(port: port, into: root + "/received")
        defer {
            // storescp does not stop on SIGTERM while it waits for associations.
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        let file = PipelineTestSupport.repositoryRoot + "/sample-data/dicom/CT_small.dcm"
        try #require(FileManager.default.fileExists(atPath: file))
        let sender = DicomSender(stage: SendStage(aeTitle: "TESTPACS", host: "127.0.0.1", port: port, callingAETitle: "MEDVMAD"))
        // Non-DICOM outputs (PNG, NIfTI, JSON) are not sent.
        try sender.send(files: [file, root + "/results.json"], key: "k")
        let received = try FileManager.default.contentsOfDirectory(atPath: root + "/received")
        #expect(received.count == 1)
        // The receiver may re-encode the transfer syntax; the instance and its pixel data identify it.
        let source = try dump(file), arrived = try dump(root + "/received/" + received[0])
        #expect(!source.isEmpty && source == arrived)

        let nobody = DicomSender(stage: SendStage(aeTitle: "TESTPACS", host: "127.0.0.1", port: port + 1))
        #expect {
            try nobody.send(files: [file], key: "k")
        } throws: { error in
            "\(error)".contains("sending to TESTPACS@127.0.0.1:\(port + 1) failed")
        }
    }

    /// A peer that accepts the connection and never answers (a hung PACS): the send gives up after
    /// the stage's timeout instead of holding the job (dcmsend's own default waits 30 s for the
    /// association and without limit for each C-STORE answer).
    @Test func aSilentPeerFailsTheSendAfterTheTimeout() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        try #require(bound == 0 && listen(listener, 4) == 0)
        // The kernel completes the TCP handshake from the backlog; nothing ever reads or answers.
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let file = PipelineTestSupport.repositoryRoot + "/sample-data/dicom/CT_small.dcm"
        let sender = DicomSender(stage: SendStage(aeTitle: "HUNG", host: "127.0.0.1", port: port, timeoutSeconds: 2))
        #expect(sender.arguments(files: []).contains("--dimse-timeout"))
        let started = Date()
        #expect {
            try sender.send(files: [file], key: "k")
        } throws: { error in
            "\(error)".contains("sending to HUNG@127.0.0.1:\(port) failed")
        }
        let waited = Date().timeIntervalSince(started)
        #expect(waited < 15, "the send waited \(waited) s for a silent peer with a 2 s timeout")
    }
}
