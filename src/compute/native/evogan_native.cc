// evogan's native matrix product: single-precision GEMM through OpenBLAS, run directly on the
// wasm backend's heap (the ArrayBuffer behind WebAssembly.Memory), so tensors are neither copied
// nor transposed. Single-threaded: parallelism comes from one worker per core.
//
// sgemm(heap, aOff, bOff, cOff, M, N, K, transA, transB)        C = op(A)·op(B), byte offsets
// biasAct(heap, cOff, rows, N, biasOff (or -1), biasLen, relu)  C += bias (per column); relu
// adam(heap, p, m, v, g, pOut, mOut, vOut, n, alpha, b1, b2, eps) one fused Adam update (Lasagne form)
//
// Convolutions, NHWC float32, dilation 1, any stride, padding given as the rows/columns of zeros
// before the input (top, left; the bottom/right padding is whatever the output size implies).
// Each is im2col (or col2im) plus one GEMM per chunk of output pixels, the chunk's columns kept in
// a thread-local scratch buffer small enough to stay in cache:
//   cols[m, (a·kw + c)·Ci + i] = x[b, oy·sh − top + a, ox·sw − left + c, i]   (0 outside x)
//   for output pixel m = (b·OH + oy)·OW + ox; K = kh·kw·Ci, so w[kh, kw, Ci, Co] is a [K, Co] matrix.
// conv2d(heap, x, w, y, geometry...)          y[M, Co]  = cols[M, K] · w[K, Co]
// conv2dBackpropInput(heap, dy, w, dx, g...)  cols      = dy[M, Co] · w[K, Co]ᵀ, then dx = Σ col2im(cols)
// conv2dBackpropFilter(heap, x, dy, dw, g...) dw[K, Co] = cols[M, K]ᵀ · dy[M, Co]
// geometry: B, H, W, Ci, OH, OW, Co, kh, kw, sh, sw, top, left. A 1×1 stride-1 unpadded conv uses
// x (or dx) itself as cols.
//
// Reductions and elementwise kernels (native-reduce-kernels.ts, leaky-relu.ts):
// reduceSum(heap, x, out, P, R, C, scale)     out[p, c] = scale · Σ_r x[p, r, c], x viewed as [P, R, C]
//                                             (Sum: scale 1; Mean: scale 1/R), accumulated in double
// leakyRelu(heap, x, out, n, alpha)           out[i] = x[i] < 0 ? α·x[i] : x[i]
#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstring>
#include <node_api.h>
#include <vector>

extern "C" void openblas_set_num_threads(int);

static bool heapArgs(napi_env env, napi_callback_info info, size_t want, napi_value* argv, float** heap, size_t* heapLen) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != want) {
    napi_throw_type_error(env, nullptr, "evogan_native: wrong number of arguments");
    return false;
  }
  void* data = nullptr;
  if (napi_get_arraybuffer_info(env, argv[0], &data, heapLen) != napi_ok) {
    napi_throw_type_error(env, nullptr, "evogan_native: the first argument must be the wasm heap ArrayBuffer");
    return false;
  }
  *heap = static_cast<float*>(data);
  return true;
}

static bool numbers(napi_env env, const napi_value* argv, size_t n, double* out) {
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_double(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "evogan_native: expected numbers");
      return false;
    }
  }
  return true;
}

static bool inBounds(napi_env env, double off, double floats, size_t heapLen) {
  if (off < 0 || off + 4.0 * floats > static_cast<double>(heapLen) || static_cast<size_t>(off) % 4 != 0) {
    napi_throw_range_error(env, nullptr, "evogan_native: operand outside the heap");
    return false;
  }
  return true;
}

static napi_value Sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  float* heap;
  size_t heapLen;
  if (!heapArgs(env, info, 9, argv, &heap, &heapLen)) return nullptr;
  double v[8];
  if (!numbers(env, argv + 1, 8, v)) return nullptr;
  const int M = static_cast<int>(v[3]), N = static_cast<int>(v[4]), K = static_cast<int>(v[5]);
  const bool ta = v[6] != 0, tb = v[7] != 0;
  if (!inBounds(env, v[0], 1.0 * M * K, heapLen) || !inBounds(env, v[1], 1.0 * K * N, heapLen) || !inBounds(env, v[2], 1.0 * M * N, heapLen)) return nullptr;
  if (M == 0 || N == 0) return nullptr;
  float* A = heap + static_cast<size_t>(v[0]) / 4;
  float* B = heap + static_cast<size_t>(v[1]) / 4;
  float* C = heap + static_cast<size_t>(v[2]) / 4;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A,
              ta ? M : K, B, tb ? K : N, 0.0f, C, N);
  return nullptr;
}

static napi_value BiasAct(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  float* heap;
  size_t heapLen;
  if (!heapArgs(env, info, 7, argv, &heap, &heapLen)) return nullptr;
  double v[6];
  if (!numbers(env, argv + 1, 6, v)) return nullptr;
  const size_t rows = static_cast<size_t>(v[1]), n = static_cast<size_t>(v[2]);
  const bool hasBias = v[3] >= 0, relu = v[5] != 0;
  const size_t biasLen = static_cast<size_t>(v[4]);
  if (!inBounds(env, v[0], 1.0 * rows * n, heapLen) || (hasBias && !inBounds(env, v[3], static_cast<double>(biasLen), heapLen))) return nullptr;
  float* C = heap + static_cast<size_t>(v[0]) / 4;
  const float* bias = hasBias ? heap + static_cast<size_t>(v[3]) / 4 : nullptr;
  for (size_t r = 0; r < rows; r++) {
    float* row = C + r * n;
    for (size_t j = 0; j < n; j++) {
      float x = row[j] + (bias ? bias[biasLen == 1 ? 0 : j] : 0.0f);
      row[j] = relu && x < 0 ? 0.0f : x;
    }
  }
  return nullptr;
}

static napi_value Adam(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  float* heap;
  size_t heapLen;
  if (!heapArgs(env, info, 13, argv, &heap, &heapLen)) return nullptr;
  double v[12];
  if (!numbers(env, argv + 1, 12, v)) return nullptr;
  const size_t n = static_cast<size_t>(v[7]);
  for (int i = 0; i < 7; i++) {
    if (!inBounds(env, v[i], static_cast<double>(n), heapLen)) return nullptr;
  }
  const float* p = heap + static_cast<size_t>(v[0]) / 4;
  const float* m = heap + static_cast<size_t>(v[1]) / 4;
  const float* vv = heap + static_cast<size_t>(v[2]) / 4;
  const float* g = heap + static_cast<size_t>(v[3]) / 4;
  float* pOut = heap + static_cast<size_t>(v[4]) / 4;
  float* mOut = heap + static_cast<size_t>(v[5]) / 4;
  float* vOut = heap + static_cast<size_t>(v[6]) / 4;
  const float alpha = static_cast<float>(v[8]), b1 = static_cast<float>(v[9]), b2 = static_cast<float>(v[10]), eps = static_cast<float>(v[11]);
  for (size_t i = 0; i < n; i++) {
    const float mi = b1 * m[i] + (1.0f - b1) * g[i];
    const float vi = b2 * vv[i] + (1.0f - b2) * g[i] * g[i];
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] - alpha * mi / (std::sqrt(vi) + eps);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Convolutions
// ---------------------------------------------------------------------------------------------

struct ConvGeom {
  size_t B, H, W, Ci, OH, OW, Co, kh, kw, sh, sw, top, left;
  size_t M() const { return B * OH * OW; }
  size_t K() const { return kh * kw * Ci; }
  // x is its own cols: one tap, no stride, no padding (then OH = H and OW = W).
  bool direct() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && top == 0 && left == 0 && OH == H && OW == W; }
};

// Columns per chunk: 256 KB of cols (at least one row), which stay in L2 between im2col and the
// GEMM. 64 KB to 4 MB all ran within noise of each other on the DCGAN shapes (bench/conv-kernels.ts);
// the chunk mostly bounds the scratch buffer.
static const size_t CHUNK_FLOATS = 1 << 16;

static std::vector<float>& scratch(size_t floats) {
  static thread_local std::vector<float> buf;
  if (buf.size() < floats) buf.resize(floats);
  return buf;
}

// heap + three operands (byte offsets) + 13 geometry numbers; checks every operand lies in the heap.
static bool convArgs(napi_env env, napi_callback_info info, float** heap, float** p0, float** p1, float** p2, ConvGeom* g,
                     int sizes /* which sizes p0, p1, p2 have: 0 conv2d, 1 input grad, 2 filter grad */) {
  napi_value argv[17];
  size_t heapLen;
  if (!heapArgs(env, info, 17, argv, heap, &heapLen)) return false;
  double v[16];
  if (!numbers(env, argv + 1, 16, v)) return false;
  size_t* dims[13] = {&g->B, &g->H, &g->W, &g->Ci, &g->OH, &g->OW, &g->Co, &g->kh, &g->kw, &g->sh, &g->sw, &g->top, &g->left};
  for (int i = 0; i < 13; i++) {
    const double d = v[3 + i];
    if (!(d >= 0 && d <= 1e9 && d == std::floor(d)) || (i >= 7 && i <= 10 && d < 1)) {
      napi_throw_range_error(env, nullptr, "evogan_native: bad convolution geometry");
      return false;
    }
    *dims[i] = static_cast<size_t>(d);
  }
  // In doubles: the size_t products could wrap for absurd geometries.
  const double xs = 1.0 * g->B * g->H * g->W * g->Ci, ws = 1.0 * g->kh * g->kw * g->Ci * g->Co, ys = 1.0 * g->B * g->OH * g->OW * g->Co;
  const double want[3][3] = {{xs, ws, ys}, {ys, ws, xs}, {xs, ys, ws}};
  for (int i = 0; i < 3; i++) {
    if (!inBounds(env, v[i], want[sizes][i], heapLen)) return false;
  }
  float** ps[3] = {p0, p1, p2};
  for (int i = 0; i < 3; i++) *ps[i] = *heap + static_cast<size_t>(v[i]) / 4;
  return true;
}

// Output pixel m = (b·OH + oy)·OW + ox and the tap columns of its window that lie inside x.
struct Window {
  size_t b, oy, ox;
  long ix0;       // x column of tap column 0
  size_t lo, hi;  // tap columns [lo, hi) lie inside x
};

static Window window(const ConvGeom& g, size_t m) {
  Window w;
  w.ox = m % g.OW;
  w.oy = (m / g.OW) % g.OH;
  w.b = m / (g.OW * g.OH);
  w.ix0 = static_cast<long>(w.ox * g.sw) - static_cast<long>(g.left);
  w.lo = static_cast<size_t>(std::max(0L, -w.ix0));
  w.hi = static_cast<size_t>(std::max(0L, std::min(static_cast<long>(g.kw), static_cast<long>(g.W) - w.ix0)));
  if (w.hi < w.lo) w.hi = w.lo;
  return w;
}

// cols[m - m0] for output pixels [m0, m1).
static void im2col(const ConvGeom& g, const float* x, float* cols, size_t m0, size_t m1) {
  const size_t K = g.K(), rowLen = g.kw * g.Ci;
  for (size_t m = m0; m < m1; m++) {
    const Window w = window(g, m);
    float* dst = cols + (m - m0) * K;
    for (size_t a = 0; a < g.kh; a++, dst += rowLen) {
      const long iy = static_cast<long>(w.oy * g.sh + a) - static_cast<long>(g.top);
      if (iy < 0 || iy >= static_cast<long>(g.H) || w.lo == w.hi) {
        std::memset(dst, 0, rowLen * sizeof(float));
        continue;
      }
      const float* src = x + ((w.b * g.H + static_cast<size_t>(iy)) * g.W + static_cast<size_t>(w.ix0 + static_cast<long>(w.lo))) * g.Ci;
      const size_t lo = w.lo * g.Ci, hi = w.hi * g.Ci;
      if (rowLen <= 32) {  // a few floats: plain loops beat the library calls
        for (size_t i = 0; i < lo; i++) dst[i] = 0.0f;
        for (size_t i = lo; i < hi; i++) dst[i] = src[i - lo];
        for (size_t i = hi; i < rowLen; i++) dst[i] = 0.0f;
        continue;
      }
      std::memset(dst, 0, lo * sizeof(float));
      std::memcpy(dst + lo, src, (hi - lo) * sizeof(float));
      std::memset(dst + hi, 0, (rowLen - hi) * sizeof(float));
    }
  }
}

// dx += the windows of cols[m - m0] for output pixels [m0, m1) (taps in the padding dropped).
static void col2im(const ConvGeom& g, const float* cols, float* dx, size_t m0, size_t m1) {
  const size_t K = g.K(), rowLen = g.kw * g.Ci;
  for (size_t m = m0; m < m1; m++) {
    const Window w = window(g, m);
    const float* src = cols + (m - m0) * K;
    for (size_t a = 0; a < g.kh; a++, src += rowLen) {
      const long iy = static_cast<long>(w.oy * g.sh + a) - static_cast<long>(g.top);
      if (iy < 0 || iy >= static_cast<long>(g.H) || w.lo == w.hi) continue;
      float* d = dx + ((w.b * g.H + static_cast<size_t>(iy)) * g.W + static_cast<size_t>(w.ix0 + static_cast<long>(w.lo))) * g.Ci;
      const float* s = src + w.lo * g.Ci;
      const size_t n = (w.hi - w.lo) * g.Ci;
      for (size_t i = 0; i < n; i++) d[i] += s[i];
    }
  }
}

static size_t chunkRows(const ConvGeom& g) { return std::max<size_t>(1, CHUNK_FLOATS / std::max<size_t>(1, g.K())); }

static napi_value Conv2d(napi_env env, napi_callback_info info) {
  float *heap, *x, *w, *y;
  ConvGeom g;
  if (!convArgs(env, info, &heap, &x, &w, &y, &g, 0)) return nullptr;
  const size_t M = g.M(), K = g.K(), N = g.Co;
  if (M == 0 || N == 0) return nullptr;
  if (K == 0) {
    std::memset(y, 0, M * N * sizeof(float));
    return nullptr;
  }
  if (g.direct()) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, x, K, w, N, 0.0f, y, N);
    return nullptr;
  }
  const size_t rows = chunkRows(g);
  float* cols = scratch(rows * K).data();
  for (size_t m0 = 0; m0 < M; m0 += rows) {
    const size_t m1 = std::min(M, m0 + rows);
    im2col(g, x, cols, m0, m1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m1 - m0, N, K, 1.0f, cols, K, w, N, 0.0f, y + m0 * N, N);
  }
  return nullptr;
}

static napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  float *heap, *dy, *w, *dx;
  ConvGeom g;
  if (!convArgs(env, info, &heap, &dy, &w, &dx, &g, 1)) return nullptr;
  const size_t M = g.M(), K = g.K(), N = g.Co;
  const size_t dxSize = g.B * g.H * g.W * g.Ci;
  if (g.direct() && M > 0 && K > 0) {
    if (N == 0) std::memset(dx, 0, dxSize * sizeof(float));
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N, 1.0f, dy, N, w, N, 0.0f, dx, K);
    return nullptr;
  }
  std::memset(dx, 0, dxSize * sizeof(float));
  if (M == 0 || K == 0 || N == 0) return nullptr;
  const size_t rows = chunkRows(g);
  float* cols = scratch(rows * K).data();
  for (size_t m0 = 0; m0 < M; m0 += rows) {
    const size_t m1 = std::min(M, m0 + rows);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m1 - m0, K, N, 1.0f, dy + m0 * N, N, w, N, 0.0f, cols, K);
    col2im(g, cols, dx, m0, m1);
  }
  return nullptr;
}

static napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  float *heap, *x, *dy, *dw;
  ConvGeom g;
  if (!convArgs(env, info, &heap, &x, &dy, &dw, &g, 2)) return nullptr;
  const size_t M = g.M(), K = g.K(), N = g.Co;
  if (K == 0 || N == 0) return nullptr;
  if (M == 0) {
    std::memset(dw, 0, K * N * sizeof(float));
    return nullptr;
  }
  if (g.direct()) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1.0f, x, K, dy, N, 0.0f, dw, N);
    return nullptr;
  }
  const size_t rows = chunkRows(g);
  float* cols = scratch(rows * K).data();
  for (size_t m0 = 0; m0 < M; m0 += rows) {
    const size_t m1 = std::min(M, m0 + rows);
    im2col(g, x, cols, m0, m1);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, m1 - m0, 1.0f, cols, K, dy + m0 * N, N, m0 == 0 ? 0.0f : 1.0f, dw, N);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Reductions over a block of axes, and LeakyRelu
// ---------------------------------------------------------------------------------------------

// A whole number in [0, 1e12]: the sizes the reduction takes (their products are checked in doubles).
static bool sizeArg(napi_env env, double d, size_t* out) {
  if (!(d >= 0 && d <= 1e12 && d == std::floor(d))) {
    napi_throw_range_error(env, nullptr, "evogan_native: bad reduction size");
    return false;
  }
  *out = static_cast<size_t>(d);
  return true;
}

// Accumulator lanes: at least this many, so that a reduction to few columns (C = 1 for a sum over
// every axis, the bias gradient of a one-channel image) still runs as one vectorised loop. Row i of
// x[p] is added into lanes (i mod k)·C .. (i mod k)·C + C − 1, k = ⌈LANES / C⌉, and the k partial
// sums of each column are added at the end.
static const size_t LANES = 32;

static napi_value ReduceSum(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  float* heap;
  size_t heapLen;
  if (!heapArgs(env, info, 7, argv, &heap, &heapLen)) return nullptr;
  double v[6];
  if (!numbers(env, argv + 1, 6, v)) return nullptr;
  size_t P, R, C;
  if (!sizeArg(env, v[2], &P) || !sizeArg(env, v[3], &R) || !sizeArg(env, v[4], &C)) return nullptr;
  if (!inBounds(env, v[0], 1.0 * P * R * C, heapLen) || !inBounds(env, v[1], 1.0 * P * C, heapLen)) return nullptr;
  if (P == 0 || C == 0) return nullptr;
  const float* x = heap + static_cast<size_t>(v[0]) / 4;
  float* out = heap + static_cast<size_t>(v[1]) / 4;
  const double scale = v[5];
  const size_t k = C >= LANES ? 1 : (LANES + C - 1) / C, L = k * C, full = R / k;
  static thread_local std::vector<double> lanes;
  if (lanes.size() < L) lanes.resize(L);
  double* __restrict acc = lanes.data();
  for (size_t p = 0; p < P; p++) {
    const float* __restrict xp = x + p * R * C;
    std::fill(acc, acc + L, 0.0);
    for (size_t i = 0; i < full; i++) {
      const float* __restrict row = xp + i * L;
      for (size_t j = 0; j < L; j++) acc[j] += row[j];
    }
    for (size_t r = full * k; r < R; r++) {
      const float* __restrict row = xp + r * C;
      for (size_t c = 0; c < C; c++) acc[c] += row[c];
    }
    for (size_t c = 0; c < C; c++) {
      double s = 0;
      for (size_t q = 0; q < k; q++) s += acc[q * C + c];
      out[p * C + c] = static_cast<float>(s * scale);
    }
  }
  return nullptr;
}

static napi_value LeakyRelu(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  float* heap;
  size_t heapLen;
  if (!heapArgs(env, info, 5, argv, &heap, &heapLen)) return nullptr;
  double v[4];
  if (!numbers(env, argv + 1, 4, v)) return nullptr;
  size_t n;
  if (!sizeArg(env, v[2], &n) || !inBounds(env, v[0], static_cast<double>(n), heapLen) || !inBounds(env, v[1], static_cast<double>(n), heapLen)) return nullptr;
  const float* __restrict x = heap + static_cast<size_t>(v[0]) / 4;
  float* __restrict out = heap + static_cast<size_t>(v[1]) / 4;
  const float alpha = static_cast<float>(v[3]);
  // max(x, 0) + α·min(x, 0): the same value as x < 0 ? α·x : x (NaN and −0 included), without a
  // branch, so that it vectorises.
  for (size_t i = 0; i < n; i++) out[i] = std::max(x[i], 0.0f) + alpha * std::min(x[i], 0.0f);
  return nullptr;
}

NAPI_MODULE_INIT() {
  openblas_set_num_threads(1);
  napi_value fn;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, Sgemm, nullptr, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  napi_create_function(env, "biasAct", NAPI_AUTO_LENGTH, BiasAct, nullptr, &fn);
  napi_set_named_property(env, exports, "biasAct", fn);
  napi_create_function(env, "adam", NAPI_AUTO_LENGTH, Adam, nullptr, &fn);
  napi_set_named_property(env, exports, "adam", fn);
  napi_create_function(env, "conv2d", NAPI_AUTO_LENGTH, Conv2d, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2d", fn);
  napi_create_function(env, "conv2dBackpropInput", NAPI_AUTO_LENGTH, Conv2dBackpropInput, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2dBackpropInput", fn);
  napi_create_function(env, "conv2dBackpropFilter", NAPI_AUTO_LENGTH, Conv2dBackpropFilter, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2dBackpropFilter", fn);
  napi_create_function(env, "reduceSum", NAPI_AUTO_LENGTH, ReduceSum, nullptr, &fn);
  napi_set_named_property(env, exports, "reduceSum", fn);
  napi_create_function(env, "leakyRelu", NAPI_AUTO_LENGTH, LeakyRelu, nullptr, &fn);
  napi_set_named_property(env, exports, "leakyRelu", fn);
  return exports;
}
