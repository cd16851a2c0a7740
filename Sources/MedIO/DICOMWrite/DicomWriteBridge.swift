import CDcmBridge
import Foundation

/// Glue between the Swift writers and the C API in dcmbridge_write.h: C strings that live for
/// one call, the instance-info struct, and status codes turned into `DicomWriteError`.
enum DicomWriteBridge {
    /// Owns C copies of strings until the call that uses them returns.
    final class CStrings {
        private var owned: [UnsafeMutablePointer<CChar>] = []
        func callAsFunction(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            owned.append(p)
            return UnsafePointer(p)
        }
        deinit { owned.forEach { free($0) } }
    }

    static func instanceInfo(_ c: CStrings, settings: DicomWriterSettings, series: DicomOutputSeries,
                             sopInstanceUID: String, instanceNumber: Int, modelName: String) -> dcmw_instance_info {
        let stamp = settings.clock.stamp()
        let p = settings.provenance
        return dcmw_instance_info(
            series_instance_uid: c(series.seriesInstanceUID),
            sop_instance_uid: c(sopInstanceUID),
            series_number: Int32(clamping: series.seriesNumber),
            instance_number: Int32(clamping: instanceNumber),
            series_description: c(String(series.seriesDescription.prefix(64))),
            date: c(stamp.date),
            time: c(stamp.time),
            manufacturer: c(String(settings.manufacturer.prefix(64))),
            model_name: c(String(modelName.prefix(64))),
            device_serial_number: c(String(settings.deviceSerialNumber.prefix(64))),
            software_versions: c(String(settings.softwareVersion.prefix(64))),
            image_comments: c(p.imageComments),
            derivation_description: c(p.derivationDescription))
    }

    static func newStatus() -> dcmw_status { dcmw_status() }

    /// Throws the typed error for a non-zero status.
    static func check(_ code: Int32, _ status: inout dcmw_status, fallbackPath: String) throws {
        guard code != Int32(DCMW_OK) else { return }
        var pathBuffer = status.path
        var messageBuffer = status.message
        let path = withUnsafeBytes(of: &pathBuffer) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        let reason = withUnsafeBytes(of: &messageBuffer) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        let file = path.isEmpty ? fallbackPath : path
        switch Int(code) {
        case Int(DCMW_SOURCE_UNREADABLE): throw DicomWriteError.sourceUnreadable(path: file, reason: reason)
        case Int(DCMW_SOURCE_ATTRIBUTE): throw DicomWriteError.sourceMissingAttribute(path: file, reason: reason)
        case Int(DCMW_UNSUPPORTED_SOURCE): throw DicomWriteError.unsupportedSource(path: file, reason: reason)
        case Int(DCMW_INVALID_INPUT): throw DicomWriteError.invalidInput(path: file, reason: reason)
        case Int(DCMW_BUILD_FAILED): throw DicomWriteError.buildFailed(path: file, reason: reason)
        case Int(DCMW_WRITE_FAILED): throw DicomWriteError.writeFailed(path: file, reason: reason)
        default: throw DicomWriteError.readBackFailed(path: file, reason: reason)
        }
    }

    /// Runs `body` with a C overlay description of `overlay` (bits already rendered).
    static func withOverlay<R>(_ overlay: DicomOverlayMask?, _ c: CStrings,
                               _ body: (UnsafePointer<dcmw_overlay>?) throws -> R) rethrows -> R {
        guard let overlay else { return try body(nil) }
        let bits = overlay.renderedBits()
        return try bits.withUnsafeBufferPointer { b in
            var ov = dcmw_overlay(
                mask: b.baseAddress, rows: Int32(clamping: overlay.rows), cols: Int32(clamping: overlay.columns),
                type: CChar(UInt8(ascii: overlay.kind.rawValue.unicodeScalars.first!)),
                description: c(String(overlay.description.prefix(64))), label: c(String(overlay.label.prefix(64))))
            return try withUnsafePointer(to: &ov) { try body($0) }
        }
    }

    /// Refuses an output path whose folder does not exist, before any DICOM work.
    static func checkOutputFolder(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !folder.isEmpty && !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) && isDir.boolValue) {
            throw DicomWriteError.writeFailed(path: path, reason: "folder \(folder) does not exist")
        }
    }
}
