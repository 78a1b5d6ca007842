namespace Shoal.Daemon.Rpc.Methods;

/// <summary>queue-move-top, -up, -down, -bottom.</summary>
internal static class QueueMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["queue-move-top"] = call => Move(call, QueueMove.Top);
        methods["queue-move-up"] = call => Move(call, QueueMove.Up);
        methods["queue-move-down"] = call => Move(call, QueueMove.Down);
        methods["queue-move-bottom"] = call => Move(call, QueueMove.Bottom);
    }

    private static Task Move(RpcCall call, QueueMove move)
    {
        call.Host.MoveInQueue(call.Torrents(), move);
        return Task.CompletedTask;
    }
}
