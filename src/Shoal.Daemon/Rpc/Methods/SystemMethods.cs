namespace Shoal.Daemon.Rpc.Methods;

/// <summary>free-space, port-test and blocklist-update.</summary>
internal static class SystemMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["free-space"] = FreeSpace;
        methods["port-test"] = PortTest;
        methods["blocklist-update"] = _ => throw new RpcException("blocklist-update is not supported: Shoal has no blocklist");
    }

    private static Task FreeSpace(RpcCall call)
    {
        var path = call.Arguments.String("path") ?? throw new RpcException("directory path argument is missing");
        if (!Path.IsPathFullyQualified(path)) throw new RpcException("directory path is not absolute");
        var (free, total) = Space(path);
        call.Output.WriteString("path", path);
        call.Output.WriteNumber("size-bytes", free);
        call.Output.WriteNumber("total_size", total);
        return Task.CompletedTask;
    }

    /// <summary>Free and total bytes of the file system holding <paramref name="path"/>; -1 when it cannot be read (as Transmission reports).</summary>
    internal static (long Free, long Total) Space(string path)
    {
        try
        {
            var drive = new DriveInfo(path);
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (-1, -1);
        }
    }

    /// <summary>
    /// Transmission asks a web service on the internet to dial us back. Shoal sends nothing anywhere: it answers whether the
    /// peer port is listening here, and says in <c>port-test-note</c> that reachability from outside was not tested.
    /// </summary>
    private static Task PortTest(RpcCall call)
    {
        call.Output.WriteBoolean("port-is-open", call.Host.Facts.PeerPort > 0);
        call.Output.WriteString("port-test-note",
            $"port {call.Host.Facts.PeerPort} is listening on this machine; whether it is reachable from the internet was not tested (Shoal sends no test traffic)");
        return Task.CompletedTask;
    }
}
