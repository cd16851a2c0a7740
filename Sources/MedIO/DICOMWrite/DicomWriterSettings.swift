/// What every derived object shares: UID source, clock, model provenance and equipment identity.
public struct DicomWriterSettings: Sendable {
    public var uids: DicomUIDGenerator
    public var clock: DicomWriteClock
    public var provenance: DicomProvenance
    /// Manufacturer (General Equipment) of the writing software.
    public var manufacturer: String
    /// Software Versions of the writing software.
    public var softwareVersion: String
    /// Device Serial Number (type 1 in Enhanced General Equipment; the software has none).
    public var deviceSerialNumber: String

    public init(uids: DicomUIDGenerator, clock: DicomWriteClock = .system, provenance: DicomProvenance,
                manufacturer: String = "medvmad", softwareVersion: String = "medvmad 0.1.0",
                deviceSerialNumber: String = "0") {
        self.uids = uids
        self.clock = clock
        self.provenance = provenance
        self.manufacturer = manufacturer
        self.softwareVersion = softwareVersion
        self.deviceSerialNumber = deviceSerialNumber
    }
}

/// What was written.
public struct DicomWrittenInstance: Sendable, Equatable {
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var seriesInstanceUID: String
    /// Overlay group used (0x6000 for SC), nil when no overlay was written.
    public var overlayGroup: Int?
}
