extension QualityReport {
    /// JSON form of one value: a number when finite, the string "inf" for +infinity (PSNR of identical
    /// planes), and null when not available (NaN, e.g. MS-SSIM of an image too small for it).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in keyedValues {
            if value.isFinite {
                try container.encode(value, forKey: key)
            } else if value == .infinity {
                try container.encode("inf", forKey: key)
            } else {
                try container.encodeNil(forKey: key)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value(_ key: CodingKeys) throws -> Double {
            if try container.decodeNil(forKey: key) { return .nan }
            if let text = try? container.decode(String.self, forKey: key) {
                guard text == "inf" else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected a number, \"inf\" or null")
                }
                return .infinity
            }
            return try container.decode(Double.self, forKey: key)
        }
        self.init(
            psnrRGB: try value(.psnrRGB), psnrR: try value(.psnrR), psnrG: try value(.psnrG), psnrB: try value(.psnrB),
            psnrY: try value(.psnrY), psnrYBT601: try value(.psnrYBT601), psnrYUV: try value(.psnrYUV),
            ssimRGB: try value(.ssimRGB), ssimY: try value(.ssimY), msSSIMRGB: try value(.msSSIMRGB),
            msSSIMY: try value(.msSSIMY))
    }

    /// Every value with its key, in declaration order.
    var keyedValues: [(CodingKeys, Double)] {
        [
            (.psnrRGB, psnrRGB), (.psnrR, psnrR), (.psnrG, psnrG), (.psnrB, psnrB), (.psnrY, psnrY),
            (.psnrYBT601, psnrYBT601), (.psnrYUV, psnrYUV), (.ssimRGB, ssimRGB), (.ssimY, ssimY),
            (.msSSIMRGB, msSSIMRGB), (.msSSIMY, msSSIMY),
        ]
    }
}
