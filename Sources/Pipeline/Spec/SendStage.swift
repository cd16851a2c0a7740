/// Optional C-STORE of the DICOM outputs to a PACS or viewer.
public struct SendStage: Sendable, Equatable {
    /// Called AE title of the peer.
    public var aeTitle: String
    public var host: String
    public var port: Int
    /// Our own AE title.
    public var callingAETitle: String

    public init(aeTitle: String, host: String, port: Int, callingAETitle: String = "MEDVMAD") {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.callingAETitle = callingAETitle
    }
}
