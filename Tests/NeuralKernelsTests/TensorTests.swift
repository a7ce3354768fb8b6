import Testing
import NeuralKernels

@Suite struct TensorTests {
    @Test func layoutIsBatchChannelRowColumn() throws {
        let tensor = try #require(Tensor(batch: 2, channels: 3, height: 4, width: 5, storage: (0..<120).map(Float.init)))
        #expect(tensor[1, 2, 3, 4] == 119)
        #expect(tensor[0, 1, 2, 3] == Float((1 * 4 + 2) * 5 + 3))
        #expect(tensor[2, 3, 4] == Float((2 * 4 + 3) * 5 + 4))
        #expect(tensor.planeSize == 20 && tensor.count == 120)
    }

    @Test func storageMustMatchTheShape() {
        #expect(Tensor(channels: 2, height: 2, width: 2, storage: [1, 2, 3]) == nil)
        #expect(Tensor(channels: -1, height: 2, width: 2, storage: []) == nil)
        var zeros = Tensor(channels: 2, height: 3, width: 4)
        #expect(zeros.count == 24 && zeros.storage.allSatisfy { $0 == 0 })
        zeros[1, 2, 3] = 7
        #expect(zeros.storage[23] == 7)
    }
}
