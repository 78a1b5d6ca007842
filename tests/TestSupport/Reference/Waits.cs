namespace Shoal.Tests.Support.Reference;

/// <summary>Bounded waits whose failures say what was being waited for and what the program printed.</summary>
internal static class Waits
{
    public static async Task<T> BoundedAsync<T>(Task<T> task, TimeSpan timeout, CancellationToken cancellationToken,
        string what, Func<string> describe)
    {
        try
        {
            return await task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}\n{describe()}");
        }
    }

    public static Task BoundedAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken, string what,
        Func<string> describe) =>
        BoundedAsync(AsObjectTask(task), timeout, cancellationToken, what, describe);

    /// <summary>Polls <paramref name="condition"/> until true; throws when <paramref name="failure"/> returns a
    /// message (e.g. the process exited) or after <paramref name="timeout"/>.</summary>
    public static Task PollAsync(Func<bool> condition, Func<string?> failure, TimeSpan timeout,
        CancellationToken cancellationToken, string what, Func<string> describe, TimeSpan? interval = null) =>
        PollAsync(() => Task.FromResult(condition()), failure, timeout, cancellationToken, what, describe, interval);

    public static async Task PollAsync(Func<Task<bool>> condition, Func<string?> failure, TimeSpan timeout,
        CancellationToken cancellationToken, string what, Func<string> describe, TimeSpan? interval = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return;
            var failed = failure();
            if (failed is not null) throw new ReferencePeerException($"{failed} while waiting for {what}\n{describe()}");
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}\n{describe()}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    /// <summary>Waits for <paramref name="target"/>, failing early if the program exits first.</summary>
    public static async Task UntilAsync(Task target, ReferenceProcess process, TimeSpan timeout,
        CancellationToken cancellationToken, string what)
    {
        var first = await BoundedAsync(Task.WhenAny(target, process.Exited), timeout, cancellationToken, what, process.Describe);
        if (first != target && !target.IsCompleted)
            throw new ReferencePeerException($"{process.Name} exited with {process.ExitCode} before {what}\n{process.Describe()}");
        if (target.IsFaulted)
            throw new ReferencePeerException($"{target.Exception!.GetBaseException().Message} (waiting for {what})\n{process.Describe()}");
        await target;
    }

    private static async Task<object?> AsObjectTask(Task task)
    {
        await task;
        return null;
    }
}
