namespace Sandbox.Actors.Runner;

/// <summary>
/// Frame types of runner protocol v2 (the table at the top of sandbox_runner.py is the same).
/// Upper case goes from the host to the runner, lower case from the runner to the host.
/// <list type="table">
/// <item><term>Q request</term><description>JSON {"op", …}; opens a request channel.</description></item>
/// <item><term>I stdin</term><description>uint32 process id + bytes; a request of its own (k or x).</description></item>
/// <item><term>D data / E end</term><description>bytes of a file being written; its end.</description></item>
/// <item><term>C credit</term><description>uint32 bytes the runner may send more of (request or block process channel).</description></item>
/// <item><term>Z cancel</term><description>the host gives a request up.</description></item>
/// <item><term>r ready</term><description>JSON {"version","pid"} on channel 0, the first frame of a fresh runner.</description></item>
/// <item><term>k reply / x error</term><description>JSON answer / {"kind","detail"}; both end the channel.</description></item>
/// <item><term>h head</term><description>JSON first answer of a stream (read: the entry; watch: established).</description></item>
/// <item><term>d data</term><description>bytes of a file being read (credit).</description></item>
/// <item><term>e end</term><description>JSON end of a stream; ends the channel.</description></item>
/// <item><term>c credit</term><description>uint32 bytes the host may send more of a file being written.</description></item>
/// <item><term>o output</term><description>uint8 stream + uint64 offset + bytes (credit): block push or output read record.</description></item>
/// <item><term>g gap</term><description>uint64 offset + uint64 dropped (16 bytes of credit): output read only.</description></item>
/// <item><term>z exit</term><description>JSON {"exit_code","signal","timed_out","offset"}: process channel, or last record of an output read.</description></item>
/// <item><term>l entries</term><description>JSON array (list, processes).</description></item>
/// <item><term>w change</term><description>JSON {"type","path"} of a watch (its length in credit).</description></item>
/// </list>
/// </summary>
public enum RunnerFrameType : byte
{
    // host -> runner
    Request = (byte)'Q',
    Stdin = (byte)'I',
    Data = (byte)'D',
    End = (byte)'E',
    Credit = (byte)'C',
    Cancel = (byte)'Z',
    // runner -> host
    Ready = (byte)'r',
    Reply = (byte)'k',
    Error = (byte)'x',
    Head = (byte)'h',
    FileData = (byte)'d',
    StreamEnd = (byte)'e',
    WriteCredit = (byte)'c',
    Output = (byte)'o',
    Gap = (byte)'g',
    Exit = (byte)'z',
    Entries = (byte)'l',
    Change = (byte)'w',
}
