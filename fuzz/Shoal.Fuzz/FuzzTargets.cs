using Shoal.Fuzz.Targets;

namespace Shoal.Fuzz;

internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new BencodeTarget(),
        new TorrentTarget(),
        new MagnetTarget(),
        new WireTarget(),
        new UdpClientTarget(),
        new UdpServerTarget(),
        new HttpResponseTarget(),
        new AnnounceQueryTarget(),
        new ResumeRecordTarget(),
        new KrpcTarget(),
        new CanaryTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
