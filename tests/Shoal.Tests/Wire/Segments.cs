using System.Buffers;

namespace Shoal.Tests.Wire;

/// <summary>Builds a multi-segment ReadOnlySequence, as a socket pipe delivers data in arbitrary chunks.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] bytes, int[] cuts)
    {
        var points = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        var first = new Segments(bytes.AsMemory(0, points[0]), 0);
        var last = first;
        for (int i = 1; i < points.Length; i++)
        {
            var next = new Segments(bytes.AsMemory(points[i - 1], points[i] - points[i - 1]), points[i - 1]);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
