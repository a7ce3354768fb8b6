import NCodecCLI

NCodec.main()
