# %% [markdown]
# # Datasets
#
# Placeholder: GC content $g = (n_G + n_C) / L$.

# %% tags=["parameters"]
profile = "cpu"
seed = 0

# %%
import matplotlib.pyplot as plt
from dnaexplain import params

P = params.check(profile=profile, seed=seed)
plt.plot([1, 2, 3])
plt.show()
