namespace Shoal.Cli;

/// <summary>
/// `get` and `seed` drive a few sockets whose completions only parse messages and copy blocks (hashing and disk writes
/// are queued to workers), so those run on the socket engine's thread instead of hopping to the thread pool: less CPU
/// per GiB downloaded (README, CPU per byte). Not for the daemon, whose web server's handlers may block, nor for the
/// other commands. The runtime reads the variable once, when the first socket is made: this runs first thing in Main.
/// A value the user set wins (0 turns it off).
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Sets the variable for this process when <paramref name="args"/> run `get` or `seed`; true if it did.</summary>
    public static bool ApplyFor(string[] args)
    {
        if (args is not ["get" or "seed", ..] || Environment.GetEnvironmentVariable(Variable) is not null) return false;
        Environment.SetEnvironmentVariable(Variable, "1");
        return true;
    }
}
