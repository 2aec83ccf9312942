using System.Text;
using Sandbox.Gateway.Api;
using Sandbox.Gateway.Api.Rest;

namespace Sandbox.Tests.Api;

/// <summary>The lines of …/output in text mode keep characters whole wherever the runner cut the bytes (pure, no server).</summary>
public class OutputLineEncoderSpec
{
    private static List<Gateway.Api.Rest.Wire.OutputLine> Encode(bool base64, params OutputRecord[] records)
    {
        var e = new OutputLineEncoder(base64);
        var lines = records.SelectMany(e.Encode).ToList();
        lines.AddRange(e.Flush());
        return lines;
    }

    [Fact]
    public void A_character_split_between_two_chunks_arrives_whole_in_the_second_line_at_its_first_bytes_offset()
    {
        var euro = Encoding.UTF8.GetBytes("€");   // e2 82 ac
        var lines = Encode(false,
            new OutputRecord("stdout", 0, [(byte)'a', euro[0], euro[1]]),
            new OutputRecord("stdout", 3, [euro[2], (byte)'b']));
        Assert.Equal([("a", 0L), ("€b", 1L)], lines.Select(l => (l.Data!, l.Offset)));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_become_replacement_characters_and_nothing_is_held_back_for_them()
    {
        var lines = Encode(false, new OutputRecord("stdout", 0, [(byte)'x', 0xFF, (byte)'y']));
        Assert.Equal("x\uFFFDy", Assert.Single(lines).Data);
    }

    [Fact]
    public void An_unfinished_character_before_another_stream_or_the_exit_is_flushed_as_a_replacement()
    {
        var lines = Encode(false,
            new OutputRecord("stdout", 0, [0xE2, 0x82]),
            new OutputRecord("stderr", 2, "err"u8.ToArray()),
            new OutputRecord("exit", 5) { ExitCode = 1 });
        Assert.Equal(["stdout", "stderr", "exit"], lines.Select(l => l.Stream));
        Assert.Equal("\uFFFD", lines[0].Data);
        Assert.Equal(2, lines[1].Offset);
        Assert.Equal(1, lines[2].ExitCode);
    }

    [Fact]
    public void Base64_mode_passes_every_record_as_it_is()
    {
        var lines = Encode(true, new OutputRecord("pty", 7, [0xE2, 0x82]), new OutputRecord("gap", 9) { DroppedBytes = 100 });
        Assert.Equal("4oI=", lines[0].DataB64);
        Assert.Null(lines[0].Data);
        Assert.Equal(100, lines[1].DroppedBytes);
    }

    [Theory]
    [InlineData(new byte[] { 0x61 }, 1)]
    [InlineData(new byte[] { 0x61, 0xC3 }, 1)]
    [InlineData(new byte[] { 0xC3, 0xA9 }, 2)]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 }, 0)]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, 4)]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80 }, 4)]
    public void The_complete_length_leaves_out_only_an_unfinished_sequence_at_the_end(byte[] bytes, int complete) =>
        Assert.Equal(complete, OutputLineEncoder.CompleteLength(bytes));
}
