namespace Shoal.Trackers;

/// <summary>Parses an answer in place, from the receive loop's buffer, so only the result outlives the datagram.</summary>
internal delegate T ResponseParser<out T>(ReadOnlySpan<byte> packet, Uri tracker);

/// <summary>A UDP request waiting for the datagram carrying its transaction id.</summary>
internal abstract class PendingRequest
{
    public abstract void Complete(ReadOnlySpan<byte> packet);

    public abstract void Fail(Exception error);
}

internal sealed class PendingRequest<T>(ResponseParser<T> parse, Uri tracker) : PendingRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void Complete(ReadOnlySpan<byte> packet)
    {
        try
        {
            _completion.TrySetResult(parse(packet, tracker));
        }
        catch (TrackerException e)
        {
            _completion.TrySetException(e);
        }
    }

    public override void Fail(Exception error) => _completion.TrySetException(error);
}
