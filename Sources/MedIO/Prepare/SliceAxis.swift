/// The anatomical plane slices are taken in.
///
/// Display convention (radiological): axial images show the patient's right on the image's left and
/// anterior at the top; coronal images the patient's right on the left and superior at the top;
/// sagittal images anterior on the left and superior at the top.
public enum SliceAxis: String, Sendable, Codable, CaseIterable {
    case axial, coronal, sagittal

    /// The patient axis (LPS: 0 = L, 1 = P, 2 = S) normal to the plane.
    var patientNormal: Int {
        switch self {
        case .axial: return 2
        case .coronal: return 1
        case .sagittal: return 0
        }
    }

    /// The LPS direction image columns advance in (left to right on screen).
    var columnTarget: [Double] {
        switch self {
        case .axial, .coronal: return [1, 0, 0]  // toward the patient's left
        case .sagittal: return [0, 1, 0]  // toward posterior
        }
    }

    /// The LPS direction image rows advance in (top to bottom on screen).
    var rowTarget: [Double] {
        switch self {
        case .axial: return [0, 1, 0]  // toward posterior
        case .coronal, .sagittal: return [0, 0, -1]  // toward inferior
        }
    }
}
