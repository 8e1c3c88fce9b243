{
  "targets": [
    {
      "target_name": "evogan_gemm",
      "sources": ["evogan_gemm.cc"],
      "libraries": ["-lopenblas"],
      "cflags_cc": ["-O3"]
    }
  ]
}
