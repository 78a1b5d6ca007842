using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>The Stream surface: async reads and writes that wait, cancellation, disposal.</summary>
public sealed class UtpStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Async_reads_and_writes_wait_for_the_network_and_deliver_every_byte()
    {
        await using var lab = new UtpLab(seed: 51, new LinkConditions { Latency = TimeSpan.FromMilliseconds(5), Loss = 0.01 },
            new UtpOptions { SendBufferBytes = 16 * 1024, ReceiveBufferBytes = 64 * 1024 });
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(400_000, 5);
        var writer = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length; offset += 10_000) await client.WriteAsync(data.AsMemory(offset, Math.Min(10_000, data.Length - offset)), Ct);
            await client.DisposeAsync();
        }, Ct);
        var reader = Task.Run(async () =>
        {
            var received = new MemoryStream();
            var buffer = new byte[7000];
            int n;
            while ((n = await server.ReadAsync(buffer, Ct)) > 0) received.Write(buffer, 0, n);
            return received.ToArray();
        }, Ct);
        // Drive fake time while the tasks run on the thread pool.
        var both = Task.WhenAll(writer, reader);
        var realDeadline = DateTime.UtcNow.AddSeconds(60);
        while (!both.IsCompleted && DateTime.UtcNow < realDeadline)
        {
            lab.Network.RunUntil(() => both.IsCompleted, TimeSpan.FromMilliseconds(2));
            await Task.Delay(1, Ct);
        }
        await both.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(data, await reader);
    }

    [Fact]
    public async Task A_cancelled_read_throws_and_the_stream_still_works()
    {
        await using var lab = new UtpLab(seed: 52);
        var (client, server) = await lab.ConnectAsync();
        using var cancel = new CancellationTokenSource();
        var read = server.ReadAsync(new byte[10], cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        Assert.Equal(3, client.TryWrite([1, 2, 3]));
        var again = server.ReadAsync(new byte[10], Ct).AsTask();
        lab.Network.Run(TimeSpan.FromMilliseconds(100)); // delivered; the read completes on the thread pool
        Assert.Equal(3, await again.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_disposed_stream_refuses_further_use()
    {
        await using var lab = new UtpLab(seed: 53);
        var (client, _) = await lab.ConnectAsync();
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.WriteAsync(new byte[1], Ct).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ReadAsync(new byte[1], Ct).AsTask());
    }

    [Fact]
    public async Task A_cancelled_connect_leaves_nothing_behind()
    {
        await using var lab = new UtpLab(seed: 54);
        using var cancel = new CancellationTokenSource();
        var connect = lab.A.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.9"), 1), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.True(lab.Network.RunUntil(() => lab.A.ConnectionCount == 0, TimeSpan.FromSeconds(1)));
    }
}
