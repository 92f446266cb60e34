"""Former home of the mediation and funnel simulators, now in :mod:`mmm.simulate` (kept as an alias)."""

from mmm.simulate import (  # noqa: F401
    FunnelConfig,
    MediationConfig,
    PaidBrandSearch,
    StageTruth,
    b2b_funnel_config,
    config_dict,
    d2c_mediation_config,
    funnel_spec_yaml,
    mediation_spec_yaml,
    samples_markdown,
    simulate_funnel,
    simulate_mediation,
    true_total_contribution,
    write_funnel_samples,
)
