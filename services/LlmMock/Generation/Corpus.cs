namespace AiCdn.LlmMock.Generation;

/// <summary>
/// The text completions are cut from. Plain ASCII, so every single token decodes to valid text and a
/// stream can carry exactly one token per chunk, as OpenAI's streams do.
/// </summary>
internal static class Corpus
{
    public const string Text =
        " A content delivery network for language models carries tokens, not files. Each answer is made while the" +
        " reader waits, one small piece after another, so the network must pass every piece on the moment it" +
        " arrives and never hold it back to fill a buffer. Edges sit close to the people who ask; cores sit close" +
        " to the models that answer. Between them runs a long link that sometimes slows and sometimes drops, and" +
        " the relay must carry the stream across it without losing a word or charging twice for the same work." +
        " Limits protect the origin and keep one tenant from starving the rest; they must hold exactly, even when" +
        " many replicas share them and thousands of requests arrive in the same second. Operators watch the time" +
        " to first token, the tokens per second, the open streams and the errors, and they expect a clear answer" +
        " whenever a request is refused: which limit, for how long, and what to do next. A good relay adds little" +
        " time, holds many connections in little memory, and can be deployed and run with two commands.";
}
