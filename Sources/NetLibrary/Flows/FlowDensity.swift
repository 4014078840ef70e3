import Foundation
import NetRuntime

/// The change of variables of a normalizing flow (Lemma 5.2) with a standard normal base:
/// log p(x) = log N(z; 0, I) + Σ log|det J| = −½‖z‖² − (D/2)·log 2π + Σ terms, per example.
public enum FlowDensity {
    /// log p(x) [N] from z = F(x) (any shape with a batch axis) and the per-example
    /// log-determinant terms [N] the flow's layers collected.
    public static func logProbability(z: Node, logDetTerms: [Node]) -> Node {
        let d = Double(z.count / z.shape[0])
        var logp = z.square().sum(axes: Array(1..<z.rank)) * -0.5 - 0.5 * d * Foundation.log(2 * Double.pi)
        for t in logDetTerms { logp = logp + t }
        return logp
    }
}
