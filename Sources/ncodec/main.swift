import NCodecCLI

await NCodec.main()
