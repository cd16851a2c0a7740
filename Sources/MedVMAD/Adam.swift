import Tensor

/// Adam without weight decay (PyTorch's `torch.optim.Adam` defaults apart from the settings given).
public final class Adam: @unchecked Sendable {
    // @unchecked: owned by one trainer.
    public let learningRate: Float, beta1: Float, beta2: Float, epsilon: Float
    public let m: ParameterSet, v: ParameterSet
    /// Steps taken.
    public private(set) var step: Int = 0

    public init(like params: ParameterSet, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = params.zerosLike()
        v = params.zerosLike()
    }

    /// Restores a saved state.
    public func restore(step: Int) { self.step = step }

    /// One update of `params` from `grads`.
    public func update(_ params: ParameterSet, grads: ParameterSet) {
        step += 1
        let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
        for n in params.names {
            let p = params[n].pointer, g = grads[n].pointer, mm = m[n].pointer, vv = v[n].pointer
            for i in 0..<params[n].count {
                mm[i] = beta1 * mm[i] + (1 - beta1) * g[i]
                vv[i] = beta2 * vv[i] + (1 - beta2) * g[i] * g[i]
                let mh = mm[i] / c1, vh = vv[i] / c2
                p[i] -= learningRate * mh / (vh.squareRoot() + epsilon)
            }
        }
    }
}

import Foundation
