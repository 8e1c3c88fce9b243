{
  "targets": [
    {
      "target_name": "evogan_native",
      "sources": ["evogan_native.cc"],
      "libraries": ["-lopenblas"],
      "cflags_cc": ["-O3"]
    }
  ]
}
