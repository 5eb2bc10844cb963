{
  "targets": [
    {
      "target_name": "warren_io",
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2", "-fvisibility=hidden"],
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "src/addon.c",
            "src/errors.c",
            "src/napi-util.c",
            "src/object.c",
            "src/reader.c",
            "src/checksum.c",
            "src/gso-split.c",
            "src/gso-coalesce.c",
            "src/endpoint.c",
            "src/tun-device.c",
            "src/tun-reader.c",
            "src/tun-napi.c",
            "src/udp-socket.c",
            "src/udp-recv.c",
            "src/udp-send.c",
            "src/udp-napi.c",
            "src/gso-napi.c",
            "src/peercred.c",
            "src/clock.c",
            "src/aead.c"
          ],
          "libraries": ["-ldl"]
        }, {
          "sources": ["src/unsupported.c"]
        }]
      ]
    }
  ]
}
