using Shoal.Discovery.Dht;

namespace Shoal.Client;

public sealed partial record ClientOptions
{
    /// <summary>
    /// Runs a Mainline DHT node (BEP 5) on the shared UDP port (<see cref="Datagrams"/> must be set): every torrent that
    /// is not private (BEP 27) is announced on it and the peers it finds are dialled. Off unless asked for — with the
    /// default <see cref="DhtOptions.BootstrapNodes"/> it talks to the public routers.
    /// </summary>
    public bool EnableDht { get; init; }

    /// <summary>
    /// The node's settings: bootstrap nodes (the public routers by default: tests and demos must set their own) and the
    /// state file that lets a restart skip bootstrapping.
    /// </summary>
    public DhtOptions Dht { get; init; } = new();
}
