// BUGS Salm: Poisson with an overdispersion effect per plate; BUGS priors. Centred: each lambda has its own count
// (20-500 colonies), which identifies it well. (The non-centred form did not mix at the default length: R-hat 3.3,
// tree-depth limit on half the iterations.)
data { int<lower=1> doses; int<lower=1> plates; int<lower=0> y[doses, plates]; vector[doses] x; }
transformed data { vector[doses] logx = log(x + 10); real mlogx = mean(logx); real mx = mean(x); }
parameters { real alpha_star; real beta; real gamma; real<lower=0> tau; matrix[doses, plates] lambda; }
transformed parameters { real sigma = 1 / sqrt(tau); }
model {
  alpha_star ~ normal(0, 100); beta ~ normal(0, 100); gamma ~ normal(0, 1e5);
  tau ~ gamma(0.001, 0.001);
  to_vector(lambda) ~ normal(0, sigma);
  for (i in 1:doses)
    y[i] ~ poisson_log(alpha_star + beta * (logx[i] - mlogx) + gamma * (x[i] - mx) + lambda[i]');
}
generated quantities { real alpha = alpha_star - beta * mlogx - gamma * mx; }
