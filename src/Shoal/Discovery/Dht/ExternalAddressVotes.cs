using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>
/// What the nodes we query say our address is (BEP 42 "ip" in their responses). One node can lie, so each responding
/// address has one vote (its latest), only the last <see cref="MaxVoters"/> voters count, and an address wins once it has
/// at least <see cref="MinVotes"/> votes and more than half of all of them.
/// </summary>
internal sealed class ExternalAddressVotes
{
    public const int MaxVoters = 50;
    public const int MinVotes = 5;

    private readonly Dictionary<IPAddress, IPAddress> _voteByVoter = [];
    private readonly Dictionary<IPAddress, int> _count = [];
    private readonly Queue<IPAddress> _voters = new();

    /// <summary>The winning address, if any. It stays until another address wins.</summary>
    public IPAddress? Winner { get; private set; }

    /// <summary>Counts a vote; true when it changed the winner.</summary>
    public bool Vote(IPAddress voter, IPAddress said)
    {
        said = CompactInfo.Normalize(said);
        if (_voteByVoter.TryGetValue(voter, out var previous))
        {
            if (previous.Equals(said)) return false;
            Uncount(previous);
        }
        else
        {
            _voters.Enqueue(voter);
            if (_voters.Count > MaxVoters && _voteByVoter.Remove(_voters.Dequeue(), out var forgotten)) Uncount(forgotten);
        }
        _voteByVoter[voter] = said;
        int votes = _count[said] = _count.GetValueOrDefault(said) + 1;
        if (votes < MinVotes || votes * 2 <= _voteByVoter.Count || said.Equals(Winner)) return false;
        Winner = said;
        return true;
    }

    private void Uncount(IPAddress address)
    {
        if (--_count[address] == 0) _count.Remove(address);
    }
}
