// evogan's native matrix product: single-precision GEMM through OpenBLAS, run directly on the
// wasm backend's heap (the ArrayBuffer behind WebAssembly.Memory), so tensors are neither copied
// nor transposed. Single-threaded: parallelism comes from one worker per core.
//
// sgemm(heap, aOff, bOff, cOff, M, N, K, transA, transB)        C = op(A)·op(B), byte offsets
// biasAct(heap, cOff, rows, N, biasOff (or -1), biasLen, relu)  C += bias (per column); relu
// adam(heap, p, m, v, g, pOut, mOut, vOut, n, alpha, b1, b2, eps) one fused Adam update (Lasagne form)
#include <cblas.h>
#include <cmath>
#include <node_api.h>

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

NAPI_MODULE_INIT() {
  openblas_set_num_threads(1);
  napi_value fn;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, Sgemm, nullptr, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  napi_create_function(env, "biasAct", NAPI_AUTO_LENGTH, BiasAct, nullptr, &fn);
  napi_set_named_property(env, exports, "biasAct", fn);
  napi_create_function(env, "adam", NAPI_AUTO_LENGTH, Adam, nullptr, &fn);
  napi_set_named_property(env, exports, "adam", fn);
  return exports;
}
