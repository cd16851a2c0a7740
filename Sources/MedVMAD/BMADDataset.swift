import CLIP
import Foundation
import Raster
import Tensor

/// A split of a BMAD-layout folder: images with labels and (for abnormal ones) masks.
///
/// Accepted layouts under `root/<split>/`:
/// - `<class>/img/*.png` with masks in `<class>/anomaly_mask/` or `<class>/label/` (BMAD release, MVFA, MedVMAD);
/// - `img/<class>/*.png` with masks in `label/<class>/` or `anomaly_mask/<class>/` (BMAD's liver scripts).
/// `good` is the normal class; every other class folder is abnormal. A normal image without a mask gets
/// an all-zero mask; an abnormal image without one is an error.
public struct BMADDataset: Sendable {
    public struct Item: Sendable, Equatable {
        public var imagePath: String
        public var maskPath: String?
        /// 0 normal, 1 abnormal.
        public var label: Int
        public var className: String
    }

    public let root: String
    public let split: String
    public let items: [Item]

    public init(root: String, split: String, items: [Item]) {
        self.root = root
        self.split = split
        self.items = items
    }

    public var normalCount: Int { items.filter { $0.label == 0 }.count }
    public var abnormalCount: Int { items.filter { $0.label == 1 }.count }

    static let maskFolders = ["anomaly_mask", "label"]
    static let normalClass = "good"

    /// Scans `root/split`.
    public static func load(root: String, split: String, requireMasks: Bool = true) throws -> BMADDataset {
        let fm = FileManager.default
        let splitDir = (root as NSString).appendingPathComponent(split)
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: splitDir, isDirectory: &isDir), isDir.boolValue else {
            throw MedVMADError.invalidData(path: splitDir, reason: "no '\(split)' folder: expected BMAD layout \(split)/<good|Ungood>/img/*.png")
        }
        func dirs(_ p: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: p)) ?? []).filter { name in
                var d: ObjCBool = false
                return !name.hasPrefix(".") && fm.fileExists(atPath: (p as NSString).appendingPathComponent(name), isDirectory: &d) && d.boolValue
            }.sorted()
        }
        func pngs(_ p: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: p)) ?? []).filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
        }
        var items: [Item] = []
        let top = dirs(splitDir)
        // Which layout: class/img or img/class.
        var pairs: [(cls: String, imgDir: String, maskDirs: [String])] = []
        if top.contains("img") {
            for cls in dirs((splitDir as NSString).appendingPathComponent("img")) {
                pairs.append((cls, "\(splitDir)/img/\(cls)", maskFolders.map { "\(splitDir)/\($0)/\(cls)" }))
            }
        } else {
            for cls in top where fm.fileExists(atPath: "\(splitDir)/\(cls)/img") {
                pairs.append((cls, "\(splitDir)/\(cls)/img", maskFolders.map { "\(splitDir)/\(cls)/\($0)" }))
            }
        }
        guard !pairs.isEmpty else {
            throw MedVMADError.invalidData(path: splitDir, reason: "not BMAD layout: no <class>/img/ or img/<class>/ folders (found \(top.joined(separator: ", ")))")
        }
        for (cls, imgDir, maskDirs) in pairs {
            let label = cls == normalClass ? 0 : 1
            for name in pngs(imgDir) {
                let mask = maskDirs.map { ($0 as NSString).appendingPathComponent(name) }.first { fm.fileExists(atPath: $0) }
                if label == 1 && mask == nil && requireMasks {
                    throw MedVMADError.invalidData(path: (imgDir as NSString).appendingPathComponent(name),
                                                   reason: "abnormal image has no mask in \(maskDirs.map { ($0 as NSString).lastPathComponent }.joined(separator: " or ")) with the same name")
                }
                items.append(Item(imagePath: (imgDir as NSString).appendingPathComponent(name), maskPath: mask, label: label, className: cls))
            }
        }
        guard !items.isEmpty else { throw MedVMADError.invalidData(path: splitDir, reason: "no PNG images found") }
        return BMADDataset(root: root, split: split, items: items)
    }

    /// Image [3, S, S] and mask [S, S] in {0, 1} for one item, preprocessed as the reference does.
    public static func sample(_ item: Item, preprocessor: CLIPImagePreprocessor) throws -> (pixels: Tensor, mask: Tensor) {
        let image: ByteImage
        do { image = try PNGFile.read(item.imagePath) } catch {
            throw MedVMADError.invalidData(path: item.imagePath, reason: "cannot read image: \(error)")
        }
        let pixels = try preprocessor.pixelValues(image)
        let s = preprocessor.imageSize
        guard let maskPath = item.maskPath else { return (pixels, Tensor(zeros: [s, s])) }
        let mask: ByteImage
        do { mask = try PNGFile.read(maskPath) } catch {
            throw MedVMADError.invalidData(path: maskPath, reason: "cannot read mask: \(error)")
        }
        guard mask.width == image.width && mask.height == image.height else {
            throw MedVMADError.invalidData(path: maskPath, reason: "mask is \(mask.width)×\(mask.height) but its image is \(image.width)×\(image.height)")
        }
        return (pixels, try preprocessor.maskValues(mask))
    }
}
