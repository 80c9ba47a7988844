// BUGS Epil model II (epil2.bug): Poisson log-linear, one random effect per patient; BUGS priors;
// non-centred b1 = z / sqrt(tau_b1).
data { int<lower=1> N; int<lower=1> T; int<lower=0> y[N, T]; vector[N] Trt; vector[N] Base; vector[N] Age; vector[T] V4; }
transformed data { vector[N] logBase4 = log(Base / 4); vector[N] logAge = log(Age); }
parameters {
  real alpha0; real alpha_Base; real alpha_Trt; real alpha_BT; real alpha_Age; real alpha_V4;
  real<lower=0> tau_b1; vector[N] z;
}
transformed parameters { real sigma_b1 = 1 / sqrt(tau_b1); vector[N] b1 = sigma_b1 * z; }
model {
  alpha0 ~ normal(0, 100); alpha_Base ~ normal(0, 100); alpha_Trt ~ normal(0, 100);
  alpha_BT ~ normal(0, 100); alpha_Age ~ normal(0, 100); alpha_V4 ~ normal(0, 100);
  tau_b1 ~ gamma(0.001, 0.001);
  z ~ std_normal();
  {
    vector[N] lin = alpha0 + alpha_Base * logBase4 + alpha_Trt * Trt + alpha_BT * (Trt .* logBase4)
                    + alpha_Age * logAge + b1;
    for (k in 1:T) y[, k] ~ poisson_log(lin + alpha_V4 * V4[k]);
  }
}
