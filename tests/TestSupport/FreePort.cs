using System.Net;
using System.Net.Sockets;

namespace Shoal.Tests.Support;

/// <summary>For programs that cannot bind port 0 themselves: asks the OS for a port free on both TCP and UDP.</summary>
public static class FreePort
{
    public static int Next()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken on UDP; try another.
            }
        }
        throw new InvalidOperationException("no free port found");
    }
}
