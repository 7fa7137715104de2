"""Named model sizes (``tiny``, ``mini``, ``base`` / ``117M``) and the released checkpoints'
hub ids."""

DNABERT_HUB = "zhihan1996/DNA_bert_6"


DNABERT2_HUB = "zhihan1996/DNABERT-2-117M"


# Paper fine-tuning settings (hidden dropout 0.1); the rest are BERT's defaults.
DNABERT_COMMON = dict(
    max_position_embeddings=512,
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    pad_token_id=0,
)


TINY = dict(num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64)


# "mini" is sized to train on a laptop's CPU in minutes (benchmarks/training.py times it)
MINI = dict(num_hidden_layers=4, hidden_size=128, num_attention_heads=4, intermediate_size=512)


BASE = dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072)


DNABERT_CONFIGS = {"tiny": TINY, "mini": MINI, "base": BASE}


DNABERT2_CONFIGS = {"tiny": TINY, "mini": MINI, "117M": BASE}


CNN_CONFIGS = {
    "tiny": dict(
        conv1_channels=8,
        conv1_kernel=5,
        pool_size=2,
        conv2_channels=8,
        conv2_kernel=3,
        hidden_size=8,
    ),
    "mini": dict(
        conv1_channels=64,
        conv1_kernel=15,
        pool_size=4,
        conv2_channels=128,
        conv2_kernel=5,
        hidden_size=64,
    ),
}
