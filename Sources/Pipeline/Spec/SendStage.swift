/// Optional C-STORE of the DICOM outputs to a PACS or viewer.
public struct SendStage: Sendable, Equatable {
    /// Called AE title of the peer.
    public var aeTitle: String
    public var host: String
    public var port: Int
    /// Our own AE title.
    public var callingAETitle: String
    /// How long to wait for the peer at each step (connecting, association, each C-STORE answer)
    /// before the send fails and is retried with the job: a PACS that accepts and never answers
    /// must not hold a job until its own time limit.
    public var timeoutSeconds: Int

    public static let defaultTimeoutSeconds = 60

    public init(aeTitle: String, host: String, port: Int, callingAETitle: String = "MEDVMAD", timeoutSeconds: Int = SendStage.defaultTimeoutSeconds) {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.callingAETitle = callingAETitle
        self.timeoutSeconds = timeoutSeconds
    }
}
