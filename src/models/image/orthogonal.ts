// Orthogonal initialisation and BigGAN's orthogonal regularisation.
//
// Init (Saxe et al. 2014, "Exact solutions to the nonlinear dynamics of learning in deep linear
// networks"): a weight of shape [..., cout] is viewed as the matrix W [prod(shape[:-1]), cout]
// (conv [kh·kw·cin, cout], dense [in, out]). W = gain·Q where Q comes from the QR decomposition
// of a standard Gaussian matrix A = QR with diag(R) > 0 (the sign correction that makes Q
// Haar-distributed). Gram–Schmidt gives exactly that Q, with rᵢᵢ = ‖·‖ > 0. When W is tall the
// columns are orthonormal (WᵀW = I); when wide, the rows are (WWᵀ = I).
//
// Regulariser (Brock et al. 2019, BigGAN §3.1): R(W) = β‖WᵀW ⊙ (1 − I)‖²_F, which pushes
// filters towards orthogonality without constraining their norms. WᵀW here is [cout, cout],
// the same Gram matrix as BigGAN-PyTorch's W Wᵀ of W viewed as [out, −1].
// ∂R/∂W = 4β·W(WᵀW ⊙ (1 − I)).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../util/rng.ts";

/**
 * k orthonormal vectors of length n (n ≥ k) from Gaussian draws, by modified Gram–Schmidt
 * applied twice per vector ("twice is enough") for orthogonality to float64 precision.
 * Returned vector-major: vector j is q[j·n .. j·n + n).
 */
function orthonormalVectors(n: number, k: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = q.subarray(j * n, (j + 1) * n);
    let norm = 0;
    do {
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < j; c++) {
          const qc = q.subarray(c * n, (c + 1) * n);
          let dot = 0;
          for (let i = 0; i < n; i++) dot += qc[i] * v[i];
          for (let i = 0; i < n; i++) v[i] -= dot * qc[i];
        }
      }
      let ss = 0;
      for (let i = 0; i < n; i++) ss += v[i] * v[i];
      norm = Math.sqrt(ss);
    } while (!(norm > 1e-8)); // a (measure-zero) dependent draw: draw it again
    for (let i = 0; i < n; i++) v[i] /= norm;
  }
  return q;
}

/**
 * Orthogonal weights for `shape`, as the row-major matrix [prod(shape[:-1]), shape[-1]] times
 * `gain`: orthonormal columns when there are at least as many rows as columns, else
 * orthonormal rows.
 */
export function orthogonalArray(shape: number[], rng: Rng, gain = 1): Float32Array {
  if (shape.length === 0) throw new Error("orthogonalArray: shape must have at least one axis");
  const cols = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(rows * cols);
  if (rows >= cols) {
    const q = orthonormalVectors(rows, cols, rng); // column c is q[c·rows ..]
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * q[c * rows + r];
  } else {
    const q = orthonormalVectors(cols, rows, rng); // row r is q[r·cols ..]
    for (let i = 0; i < q.length; i++) out[i] = gain * q[i];
  }
  return out;
}

/**
 * β Σ_W ‖WᵀW ⊙ (1 − I)‖²_F with W = reshape(w, [−1, cout]) [K, cout]; differentiable in every w.
 * One tape node for all the weights: the forward pass also forms W(WᵀW ⊙ (1 − I)), saved for the
 * gradient of the header (autodiff of the plain ops saved and walked back through eight small
 * ops per weight). With G = WᵀW:
 *   tall W (cout ≤ K):  ‖G ⊙ (1 − I)‖² = Σ (G ⊙ (1 − I)) ⊙ G
 *   wide W (cout > K):  ‖G ⊙ (1 − I)‖² = ‖WWᵀ‖²_F − Σ_i dᵢ²  and  W(G ⊙ (1 − I)) = (WWᵀ)W − W·diag(d),
 *                       dᵢ = Gᵢᵢ = ‖column i‖², so only the K×K matrix WWᵀ is formed (BigGAN's
 *                       first linear maps a few z values to thousands of outputs: cout×cout
 *                       would be millions of entries).
 */
export function orthogonalRegularization(weights: readonly tf.Tensor[], beta = 1e-4): tf.Scalar {
  if (weights.length === 0) return tf.scalar(0);
  return tf.customGrad((...inputs) => {
    const save = inputs[weights.length] as tf.GradSaveFunc;
    const squares: tf.Tensor[] = [];
    const directions: tf.Tensor[] = []; // W(G ⊙ (1 − I)) in w's shape: ∂R/∂w = 4β·that
    for (const w of inputs.slice(0, weights.length) as tf.Tensor[]) {
      const cout = w.shape[w.rank - 1];
      const m = w.rank === 2 ? w : tf.reshape(w, [-1, cout]);
      let d: tf.Tensor;
      if (cout <= m.shape[0]) {
        const mask = new Float32Array(cout * cout).fill(1); // 1 − I
        for (let i = 0; i < cout; i++) mask[i * cout + i] = 0;
        const gram = tf.matMul(m, m, true, false);
        const off = tf.mul(gram, tf.tensor2d(mask, [cout, cout]));
        squares.push(tf.sum(tf.mul(off, gram)));
        d = tf.matMul(m, off);
      } else {
        const a = tf.matMul(m, m, false, true); // WWᵀ [K, K]
        const diag = tf.sum(tf.square(m), 0); // Gᵢᵢ [cout]
        squares.push(tf.sub(tf.sum(tf.square(a)), tf.sum(tf.square(diag))));
        d = tf.sub(tf.matMul(a, m), tf.mul(m, diag));
      }
      directions.push(w.rank === 2 ? d : tf.reshape(d, w.shape));
    }
    save(directions);
    return {
      value: tf.mul(squares.length === 1 ? squares[0] : tf.addN(squares), beta) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const scale = tf.mul(dy, 4 * beta);
        return saved.map((d) => tf.mul(d, scale));
      },
    };
  })(...weights) as tf.Scalar;
}
