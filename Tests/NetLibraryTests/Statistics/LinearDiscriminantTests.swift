import XCTest
@testable import NetLibrary

final class LinearDiscriminantTests: XCTestCase {
    /// Closed form: class 0 = (±1, 0), (0, ±1) around μ₀ = (0, 0); class 1 the same around
    /// μ₁ = (2, 0). The pooled scatter is 2·[[2, 0], [0, 2]] over n − C = 6, so Σ = (2/3)·I,
    /// Σ⁻¹μ₀ = 0, Σ⁻¹μ₁ = (3, 0); biases −½μᵀΣ⁻¹μ + log ½: log ½ and −3 + log ½. The boundary
    /// is x₁ = 1, halfway between the means.
    func testTwoClassClosedForm() throws {
        let x: [Double] = [1, 0, -1, 0, 0, 1, 0, -1, 3, 0, 1, 0, 2, 1, 2, -1]
        let labels = [0, 0, 0, 0, 1, 1, 1, 1]
        let lda = try LinearDiscriminant(x: x, rows: 8, columns: 2, labels: labels, shrinkage: 0)
        XCTAssertEqual(lda.weights[0][0], 0, accuracy: 1e-12)
        XCTAssertEqual(lda.weights[0][1], 0, accuracy: 1e-12)
        XCTAssertEqual(lda.weights[1][0], 3, accuracy: 1e-12)
        XCTAssertEqual(lda.weights[1][1], 0, accuracy: 1e-12)
        XCTAssertEqual(lda.biases[0], log(0.5), accuracy: 1e-12)
        XCTAssertEqual(lda.biases[1], -3 + log(0.5), accuracy: 1e-12)
        XCTAssertEqual(lda.predict(x: [0.9, 5, 1.1, -5, -3, 0, 7, 7], rows: 4), [0, 1, 0, 1])
        // Shrinkage towards (tr Σ/d)·I leaves an isotropic Σ unchanged.
        let shrunk = try LinearDiscriminant(x: x, rows: 8, columns: 2, labels: labels, shrinkage: 0.5)
        XCTAssertEqual(shrunk.weights[1][0], 3, accuracy: 1e-12)
    }

    /// A duplicated feature makes Σ singular: plain LDA reports it, shrinkage fixes it.
    func testSingularCovarianceNeedsShrinkage() throws {
        let x: [Double] = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        let labels = [0, 0, 0, 1, 1, 1]
        XCTAssertThrowsError(try LinearDiscriminant(x: x, rows: 6, columns: 2, labels: labels, shrinkage: 0)) { error in
            XCTAssertTrue("\(error)".contains("singular"), "\(error)")
        }
        let lda = try LinearDiscriminant(x: x, rows: 6, columns: 2, labels: labels, shrinkage: 0.1)
        XCTAssertEqual(lda.predict(x: x, rows: 6), labels)
        XCTAssertThrowsError(try LinearDiscriminant(x: x, rows: 6, columns: 2, labels: [0, 0, 0, 2, 2, 2], shrinkage: 0.1))
    }
}
