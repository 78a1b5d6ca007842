using CsCheck;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class AvailabilityOrderTests
{
    [Fact]
    public void Random_operations_keep_free_pieces_sorted_by_availability()
    {
        const int pieces = 20;
        var operation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, pieces - 1]);
        operation.Array[1, 300].Sample(ops =>
        {
            var order = new AvailabilityOrder(pieces);
            order.AddInitial(Enumerable.Range(0, pieces), new Random(1));
            var availability = new int[pieces];
            var free = Enumerable.Range(0, pieces).ToHashSet();
            foreach (var (kind, piece) in ops)
            {
                switch (kind)
                {
                    case 0: order.Increment(piece); availability[piece]++; break;
                    case 1 when availability[piece] > 0: order.Decrement(piece); availability[piece]--; break;
                    case 2: order.Remove(piece); free.Remove(piece); break;
                    case 3: order.Add(piece); free.Add(piece); break;
                }
            }
            Assert.Equal(free.Count, order.Count);
            var listed = Enumerable.Range(0, order.Count).Select(i => order[i]).ToList();
            Assert.Equal(free.Order(), listed.Order());
            Assert.Equal(listed.Select(p => availability[p]).Order(), listed.Select(p => availability[p]));
            foreach (int p in Enumerable.Range(0, pieces)) Assert.Equal(availability[p], order.Availability(p));
            int firstAvailable = order.FirstAvailableIndex;
            Assert.All(listed.Take(firstAvailable), p => Assert.Equal(0, availability[p]));
            Assert.All(listed.Skip(firstAvailable), p => Assert.True(availability[p] > 0));
        }, iter: 2000);
    }
}
