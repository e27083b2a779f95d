import Testing
@testable import VideoDecoding

@Suite("Sampling plan (pure)")
struct SamplingPlanTests {
    @Test func targetsAreSegmentMiddles() {
        let t = SamplingPlan.uniformTargets(count: 8, start: 0, duration: 10)
        #expect(t == [0.625, 1.875, 3.125, 4.375, 5.625, 6.875, 8.125, 9.375])
        #expect(SamplingPlan.uniformTargets(count: 1, start: 1.44, duration: 2) == [2.44])
        #expect(SamplingPlan.uniformTargets(count: 0, start: 0, duration: 2).isEmpty)
        #expect(SamplingPlan.uniformTargets(count: 2, start: 0, duration: -1) == [0, 0])
    }

    @Test func singleKeyframeMeansOneForwardPass() {
        let targets = SamplingPlan.uniformTargets(count: 8, start: 0, duration: 5.28)
        let plan = SamplingPlan.make(targets: targets, start: 0, keyframes: [0], frameRate: 25)
        #expect(plan.seekBefore == Array(repeating: false, count: 8))
    }

    @Test func bikesKeyframesSeekOnlyPastAKeyframe() {
        let targets = SamplingPlan.uniformTargets(count: 8, start: 0, duration: 10)
        let plan = SamplingPlan.make(targets: targets, start: 0, keyframes: [0, 1.2, 3.04, 5.48, 7.48, 9.68], frameRate: 25)
        #expect(plan.seekBefore == [false, true, true, false, true, false, true, false])
    }

    @Test func longClipWithRegularKeyframesSeeksEveryTime() {
        let keyframes = stride(from: 0.0, to: 600, by: 2).map { $0 }
        let targets = SamplingPlan.uniformTargets(count: 8, start: 0, duration: 600)
        let plan = SamplingPlan.make(targets: targets, start: 0, keyframes: keyframes, frameRate: 25)
        #expect(plan.seekBefore == Array(repeating: true, count: 8))
    }

    @Test func closeTargetsDecodeForward() {
        // 32 samples from 2 s of 25 fps video with keyframes every 0.48 s: neighbours are ~1.5 frames apart.
        let keyframes = stride(from: 0.0, to: 2, by: 0.48).map { $0 }
        let targets = SamplingPlan.uniformTargets(count: 32, start: 0, duration: 2)
        let plan = SamplingPlan.make(targets: targets, start: 0, keyframes: keyframes, frameRate: 25)
        #expect(plan.seekBefore.allSatisfy { !$0 })
    }

    @Test func forcedStrategies() {
        let targets = SamplingPlan.uniformTargets(count: 4, start: 0, duration: 100)
        #expect(SamplingPlan.make(targets: targets, start: 0, keyframes: nil, frameRate: 25, strategy: .forward).seekBefore == [false, false, false, false])
        #expect(SamplingPlan.make(targets: targets, start: 0, keyframes: [0], frameRate: 25, strategy: .seekEach).seekBefore == [true, true, true, true])
    }

    @Test func unknownKeyframesUseTheAssumedInterval() {
        let far = SamplingPlan.make(targets: [5, 15, 25], start: 0, keyframes: nil, frameRate: 25)
        #expect(far.seekBefore == [true, true, true])
        let near = SamplingPlan.make(targets: [0.1, 0.3, 0.5], start: 0, keyframes: nil, frameRate: 25)
        #expect(near.seekBefore == [false, false, false])
    }

    @Test func keyframeLookup() {
        let k: [Double] = [0, 1.2, 3.04]
        #expect(SamplingPlan.keyframeBefore(1.2, keyframes: k, start: 0, assumedInterval: 2) == 1.2)
        #expect(SamplingPlan.keyframeBefore(3.0, keyframes: k, start: 0, assumedInterval: 2) == 1.2)
        #expect(SamplingPlan.keyframeBefore(100, keyframes: k, start: 0, assumedInterval: 2) == 3.04)
        #expect(SamplingPlan.keyframeBefore(-1, keyframes: k, start: 0, assumedInterval: 2) == 0)
        #expect(SamplingPlan.keyframeBefore(7, keyframes: nil, start: 0, assumedInterval: 2) == 5)
    }
}
