/// Everything that can go wrong while loading a BPE vocabulary or tokenizing. Every case about a
/// file names the file.
public enum CLIPTokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The gzip stream is damaged or truncated.
    case corruptArchive(path: String, reason: String)
    /// The file is readable but is not a CLIP BPE vocabulary (wrong header, too few merges, a
    /// malformed line, missing tokens).
    case notCLIPVocabulary(path: String, reason: String)
    /// The vocabulary shipped with the CLIP module is missing from its resource bundle.
    case missingResource(name: String)
    /// A text needs more tokens than the context holds and truncation was not allowed.
    case textTooLong(index: Int, tokenCount: Int, contextLength: Int)
    /// The context cannot hold even the start and end tokens.
    case invalidContextLength(Int)

    /// A message naming the file and the problem.
    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .corruptArchive(path, reason): return "\(path): corrupt gzip data: \(reason)"
        case let .notCLIPVocabulary(path, reason): return "\(path): not a CLIP BPE vocabulary: \(reason)"
        case let .missingResource(name): return "resource \(name) is missing from the CLIP bundle"
        case let .textTooLong(index, count, context):
            return "text \(index) needs \(count) tokens, more than the context length \(context)"
        case let .invalidContextLength(n): return "context length \(n) cannot hold the start and end tokens"
        }
    }
}
