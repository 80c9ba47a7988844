// Beta-Binomial hierarchy with BDA3's p(alpha, beta) propto (alpha+beta)^(-5/2), in the form of Stan's case study
// "Hierarchical partial pooling for repeated binary trials": mean phi = alpha/(alpha+beta) and concentration
// kappa = alpha+beta, where the prior is p(phi, kappa) propto kappa^(-3/2) (Jacobian kappa), theta explicit.
// (Two other forms failed at the default length: alpha, beta sampled directly hit the tree-depth limit on 80% of
// iterations, R-hat 3.3; theta integrated out with beta_binomial, whose gradient in Stan 2.21 is poor, also stuck,
// R-hat 3.1.)
data { int<lower=0> N; int<lower=0> n[N]; int<lower=0> r[N]; }
parameters { real<lower=0, upper=1> phi; real<lower=0> kappa; vector<lower=0, upper=1>[N] theta; }
transformed parameters { real alpha = phi * kappa; real beta = (1 - phi) * kappa; }
model {
  target += -1.5 * log(kappa);
  theta ~ beta(alpha, beta);
  r ~ binomial(n, theta);
}
