namespace Mbushja.TopUp.Tests;

/// <summary>The states of a message and the moves between them, as a table: what may follow what, and nothing else.</summary>
public sealed class TopUpStateTests
{
    public static TheoryData<TopUpState, TopUpState, bool> EveryPair()
    {
        (TopUpState, TopUpState)[] allowed =
        [
            (TopUpState.Holding, TopUpState.Credited),
            (TopUpState.Holding, TopUpState.Declined),
            (TopUpState.Holding, TopUpState.Voiding),
            (TopUpState.Credited, TopUpState.Completed),
            (TopUpState.Voiding, TopUpState.Failed),
        ];
        var data = new TheoryData<TopUpState, TopUpState, bool>();
        foreach (TopUpState from in Enum.GetValues<TopUpState>())
        {
            foreach (TopUpState to in Enum.GetValues<TopUpState>())
            {
                data.Add(from, to, allowed.Contains((from, to)));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void CanMove_EveryPairOfStates_OnlyTheFlowsMoves(TopUpState from, TopUpState to, bool allowed) =>
        Assert.Equal(allowed, TopUpStates.CanMove(from, to));

    [Theory]
    [InlineData(TopUpState.Holding, "holding", true, false, null)]
    [InlineData(TopUpState.Credited, "credited", true, true, TopUpStatus.Completed)]
    [InlineData(TopUpState.Voiding, "voiding", true, false, TopUpStatus.Failed)]
    [InlineData(TopUpState.Completed, "completed", false, true, TopUpStatus.Completed)]
    [InlineData(TopUpState.Rejected, "rejected", false, false, TopUpStatus.Rejected)]
    [InlineData(TopUpState.Declined, "declined", false, false, TopUpStatus.Rejected)]
    [InlineData(TopUpState.Failed, "failed", false, false, TopUpStatus.Failed)]
    public void State_NameMeaningAndAnswer(TopUpState state, string wire, bool unfinished, bool charged, TopUpStatus? status)
    {
        Assert.Equal(wire, state.ToWire());
        Assert.Equal(state, TopUpStates.Parse(wire));
        Assert.Equal(unfinished, TopUpStates.IsUnfinished(state));
        Assert.Equal(charged, TopUpStates.IsCharged(state));
        Assert.Equal(status, TopUpStates.StatusOf(state));
    }

    [Fact]
    public void Sql_Lists_AreTheStatesOfEachMeaning()
    {
        Assert.Equal("'holding', 'credited', 'voiding'", TopUpStates.UnfinishedSql);
        Assert.Equal("'credited', 'completed'", TopUpStates.ChargedSql);
    }

    [Fact]
    public void Parse_AStateNoVersionWrote_IsBadData() =>
        Assert.Throws<InvalidDataException>(() => TopUpStates.Parse("refunded"));

    [Fact]
    public void Initial_AMessageBeginsHoldingOrRejected_AndNothingMovesBackToThem() =>
        Assert.All(TopUpStates.Initial, initial => Assert.DoesNotContain(TopUpStates.Moves, m => m.To == initial));
}
