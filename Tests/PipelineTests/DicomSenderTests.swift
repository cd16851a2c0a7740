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
}
