/// Where studies come from.
public struct IngestStage: Sendable, Equatable {
    /// Folders scanned recursively by `run` (absolute).
    public var folders: [String]
    /// Glob patterns on paths relative to a folder (`*` within a name, `**` across folders); empty means every file.
    public var globs: [String]
    /// Folder `watch` polls for new studies (absolute), if any.
    public var inbox: String?
    /// Seconds without a new or changed file before a study in the inbox counts as complete.
    public var settleSeconds: Double

    public init(folders: [String], globs: [String] = [], inbox: String? = nil, settleSeconds: Double = 60) {
        self.folders = folders
        self.globs = globs
        self.inbox = inbox
        self.settleSeconds = settleSeconds
    }

    /// Whether the globs can let DICOM files through (anything but NIfTI-only patterns).
    public var admitsDicom: Bool {
        globs.isEmpty || globs.contains { !NiftiFileName.matches($0) }
    }

    /// Whether the globs can let NIfTI files through.
    public var admitsNifti: Bool {
        globs.isEmpty || globs.contains { pattern in
            pattern.hasSuffix("*") || NiftiFileName.matches(pattern)
        }
    }
}

/// NIfTI files are recognised by name, as every tool in the field does.
enum NiftiFileName {
    static func matches(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz")
    }
}
