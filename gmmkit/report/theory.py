# ruff: noqa: E501  (display equations stay on one line each, as they are written)
"""GMM and EM from first principles: the one source of the derivation.

The text below is Markdown with TeX math (``$...$`` inline, ``$$`` blocks on
their own lines). :func:`theory_markdown` gives ``docs/theory.md``;
:func:`theory_html` gives the report's section, with the math converted to
MathML. Regenerate the docs with::

    python -m gmmkit.report.theory > docs/theory.md
"""

from __future__ import annotations

import html
import re

from .mathml import tex_to_mathml

TITLE = "Gaussian mixtures and EM, from first principles"

THEORY = r"""
## 1. The model

A Gaussian mixture describes data that come from $K$ groups without saying which
point belongs to which group. Its density at a point $x \in \mathbb{R}^d$ is a
weighted sum of $K$ Gaussian densities:

$$
p(x \mid \theta) = \sum_{k=1}^{K} \pi_k \, \mathcal{N}(x \mid \mu_k, \Sigma_k),
\qquad \pi_k \ge 0, \quad \sum_{k=1}^{K} \pi_k = 1,
$$

where each component has a weight $\pi_k$, a mean $\mu_k \in \mathbb{R}^d$ and a
covariance matrix $\Sigma_k$ (symmetric, positive definite), and

$$
\mathcal{N}(x \mid \mu, \Sigma) = (2\pi)^{-d/2} \det(\Sigma)^{-1/2}
\exp\left(-\frac{1}{2} (x - \mu)^\top \Sigma^{-1} (x - \mu)\right).
$$

The parameters are all of these together,
$\theta = (\pi_1, \ldots, \pi_K, \mu_1, \ldots, \mu_K, \Sigma_1, \ldots, \Sigma_K)$.

## 2. Latent variables: the story behind the sum

Give every point $x_n$ a hidden label $z_n \in \lbrace 1, \ldots, K \rbrace$ and
tell the story of how the data were made: first draw the label, then draw the
point from that label's Gaussian,

$$
p(z_n = k) = \pi_k, \qquad p(x_n \mid z_n = k) = \mathcal{N}(x_n \mid \mu_k, \Sigma_k).
$$

Summing the joint density over the label that we do not see gives back the
mixture, $p(x_n) = \sum_k p(z_n = k) \, p(x_n \mid z_n = k)$. This is also how
a fitted mixture draws samples.

## 3. The likelihood, and why it has no closed-form maximum

For $N$ independent points $X = (x_1, \ldots, x_N)$ the log-likelihood is

$$
\log p(X \mid \theta) = \sum_{n=1}^{N} \log \sum_{k=1}^{K} \pi_k \, \mathcal{N}(x_n \mid \mu_k, \Sigma_k).
$$

The logarithm of a sum does not split into one term per component, so setting
the derivatives to zero gives coupled equations with no closed-form solution.
The likelihood is also unbounded: a component whose mean sits on one data point
and whose covariance shrinks towards zero sends it to $+\infty$. gmmkit adds a
small `reg_covar` to every covariance diagonal to keep away from that
degenerate solution.

## 4. The complete-data likelihood

If the labels were known, write $z_{nk} = 1$ when $z_n = k$ and $0$ otherwise.
The complete-data log-likelihood is a sum of simple terms:

$$
\log p(X, Z \mid \theta) = \sum_{n=1}^{N} \sum_{k=1}^{K} z_{nk} \left( \log \pi_k + \log \mathcal{N}(x_n \mid \mu_k, \Sigma_k) \right).
$$

Each component would be fitted to its own points alone: its weight the share of
points it owns, its mean their average, its covariance their scatter. EM
(Expectation–Maximisation) gets there without knowing the labels by replacing
$z_{nk}$ with its expected value under the current parameters, and repeating.

## 5. E-step: responsibilities

Bayes' rule gives the posterior probability that component $k$ produced $x_n$,
its **responsibility** for the point:

$$
r_{nk} = p(z_n = k \mid x_n, \theta) = \frac{\pi_k \, \mathcal{N}(x_n \mid \mu_k, \Sigma_k)}{\sum_{j=1}^{K} \pi_j \, \mathcal{N}(x_n \mid \mu_j, \Sigma_j)}.
$$

Each row $r_{n1}, \ldots, r_{nK}$ is non-negative and sums to one: a soft
assignment of the point. The expected complete-data log-likelihood under these
responsibilities (computed with the current parameters $\theta^{\mathrm{old}}$) is

$$
Q(\theta, \theta^{\mathrm{old}}) = \sum_{n=1}^{N} \sum_{k=1}^{K} r_{nk} \left( \log \pi_k + \log \mathcal{N}(x_n \mid \mu_k, \Sigma_k) \right).
$$

## 6. M-step: closed forms

Maximise $Q$ over $\theta$ with the responsibilities held fixed. Write
$N_k = \sum_n r_{nk}$ for the number of points component $k$ is responsible
for (a soft count).

**Weights.** Only $\sum_k N_k \log \pi_k$ depends on the weights. With a Lagrange
multiplier $\lambda$ for $\sum_k \pi_k = 1$, setting
$\partial / \partial \pi_k$ of $\sum_k N_k \log \pi_k + \lambda (1 - \sum_k \pi_k)$
to zero gives $\pi_k = N_k / \lambda$; summing over $k$ gives $\lambda = N$, so

$$
\pi_k = \frac{N_k}{N}.
$$

**Means.** The gradient of $Q$ with respect to $\mu_k$ is
$\sum_n r_{nk} \Sigma_k^{-1} (x_n - \mu_k)$. Setting it to zero:

$$
\mu_k = \frac{1}{N_k} \sum_{n=1}^{N} r_{nk} \, x_n.
$$

**Covariances.** In terms of the precision $\Lambda_k = \Sigma_k^{-1}$ the part of
$Q$ that depends on component $k$'s covariance is
$\frac{1}{2} N_k \log \det \Lambda_k - \frac{1}{2} \operatorname{tr}(\Lambda_k S_k)$ with the
weighted scatter $S_k = \sum_n r_{nk} (x_n - \mu_k)(x_n - \mu_k)^\top$. Since
$\partial \log \det \Lambda / \partial \Lambda = \Lambda^{-1}$ and
$\partial \operatorname{tr}(\Lambda S) / \partial \Lambda = S$, the maximum is at
$N_k \Lambda_k^{-1} = S_k$. scikit-learn's four covariance types constrain
$\Sigma_k$ differently and each gets its own closed form:

- **full**: each component has its own unrestricted covariance,

$$
\Sigma_k = \frac{1}{N_k} \sum_{n=1}^{N} r_{nk} (x_n - \mu_k)(x_n - \mu_k)^\top.
$$

- **tied**: all components share one covariance; the same argument with one
  $\Lambda$ for all $k$ pools the scatters,

$$
\Sigma = \frac{1}{N} \sum_{k=1}^{K} \sum_{n=1}^{N} r_{nk} (x_n - \mu_k)(x_n - \mu_k)^\top.
$$

- **diag**: each component has its own diagonal covariance; each variance
  $\sigma_{kj}^2$ of feature $j$ is fitted on its own,

$$
\sigma_{kj}^2 = \frac{1}{N_k} \sum_{n=1}^{N} r_{nk} (x_{nj} - \mu_{kj})^2.
$$

- **spherical**: each component has one variance $\sigma_k^2$ shared by all
  $d$ features, $\Sigma_k = \sigma_k^2 I$,

$$
\sigma_k^2 = \frac{1}{N_k \, d} \sum_{n=1}^{N} r_{nk} \lVert x_n - \mu_k \rVert^2.
$$

gmmkit then adds `reg_covar` to each variance (each diagonal entry).

They are four of the fourteen models of Celeux and Govaert that mclust fits,
which write every covariance as

$$
\Sigma_k = \lambda_k D_k A_k D_k^\top,
$$

a volume $\lambda_k = \det(\Sigma_k)^{1/d}$, a shape $A_k$ (diagonal, with
determinant $1$) and an orientation $D_k$ (orthogonal). A model's three letters
say whether the volume, the shape and the orientation are Equal across
components, Variable, or the Identity: full is VVV, tied EEE, diag VVI and
spherical VII, and EEV, say, shares volume and shape while each component turns
its own way. Five of them (VEI, VEE, VEV, EVE, VVE) have no closed-form M-step:
it alternates between the parts, or turns the common axes, each step raising $Q$.

## 7. Why the likelihood cannot decrease

Take any distribution $q_n(k)$ over the components for each point. Multiply and
divide by it inside the logarithm, then use Jensen's inequality (the logarithm
is concave, so the log of an average is at least the average of the logs):

$$
\log p(x_n \mid \theta) = \log \sum_{k=1}^{K} q_n(k) \frac{\pi_k \, \mathcal{N}(x_n \mid \mu_k, \Sigma_k)}{q_n(k)} \ge \sum_{k=1}^{K} q_n(k) \log \frac{\pi_k \, \mathcal{N}(x_n \mid \mu_k, \Sigma_k)}{q_n(k)}.
$$

Summed over $n$, the right-hand side is the evidence lower bound
$\mathcal{L}(q, \theta)$ (ELBO). The gap is a Kullback–Leibler divergence,

$$
\log p(X \mid \theta) - \mathcal{L}(q, \theta) = \sum_{n=1}^{N} \mathrm{KL}\left( q_n \, \| \, p(z_n \mid x_n, \theta) \right) \ge 0,
$$

which is zero exactly when $q_n$ is the posterior. EM is coordinate ascent on
$\mathcal{L}$:

1. The E-step sets $q_n(k) = r_{nk}$, the posterior under $\theta^{\mathrm{old}}$. The gap closes: $\mathcal{L}(q, \theta^{\mathrm{old}}) = \log p(X \mid \theta^{\mathrm{old}})$.
2. The M-step maximises $\mathcal{L}(q, \theta) = Q(\theta, \theta^{\mathrm{old}}) + \text{const}$ over $\theta$, so $\mathcal{L}(q, \theta^{\mathrm{new}}) \ge \mathcal{L}(q, \theta^{\mathrm{old}})$.

Chaining the two with the bound itself,

$$
\log p(X \mid \theta^{\mathrm{new}}) \ge \mathcal{L}(q, \theta^{\mathrm{new}}) \ge \mathcal{L}(q, \theta^{\mathrm{old}}) = \log p(X \mid \theta^{\mathrm{old}}).
$$

So every iteration keeps or raises the log-likelihood, and EM stops at a
stationary point: a local maximum (or, rarely, a saddle), not necessarily the
best one. That is why fits are restarted from several starts and the best kept.
Two things can make a computed value dip slightly: rounding, and `reg_covar`,
which moves the covariances a little away from the exact maximiser of $Q$.
A larger decrease means a bug.

## 8. Computing it: log-sum-exp

In many dimensions the densities themselves underflow: $\exp(-800)$ is $0$ in
double precision, and then every responsibility is $0 / 0$. Work with logarithms
instead. With $a_{nk} = \log \pi_k + \log \mathcal{N}(x_n \mid \mu_k, \Sigma_k)$
and $m_n = \max_k a_{nk}$,

$$
\log p(x_n \mid \theta) = \log \sum_{k=1}^{K} e^{a_{nk}} = m_n + \log \sum_{k=1}^{K} e^{a_{nk} - m_n}.
$$

Every term of the right-hand sum is at most $1$ and the largest equals $1$, so
the sum lies between $1$ and $K$: nothing overflows and the log is finite. The
responsibilities follow as $r_{nk} = \exp\left(a_{nk} - \log p(x_n \mid \theta)\right)$.
The Gaussian log-density itself is computed from the Cholesky factor $U_k$ of the
precision ($\Sigma_k^{-1} = U_k U_k^\top$), without forming an inverse:

$$
\log \mathcal{N}(x \mid \mu_k, \Sigma_k) = -\frac{d}{2} \log(2\pi) + \sum_{j=1}^{d} \log (U_k)_{jj} - \frac{1}{2} \lVert (x - \mu_k)^\top U_k \rVert^2.
$$

## 9. Stopping, and choosing the number of components

gmmkit stops when the mean log-likelihood per point changes by less than `tol`
between iterations. More components never lower the maximised likelihood, so
the number of components $K$ and the covariance type are chosen by a penalised
criterion (lower is better), with $p$ the number of free parameters:

$$
\mathrm{BIC} = -2 \log p(X \mid \hat{\theta}) + p \log N, \qquad \mathrm{AIC} = -2 \log p(X \mid \hat{\theta}) + 2p.
$$

With $K - 1$ free weights and $K d$ means, the covariances add one volume,
$d - 1$ shape and $d (d - 1) / 2$ orientation parameters for each part of
$\lambda_k D_k A_k D_k^\top$: $K$ times over where the part varies, once where it
is equal, none for the identity. That runs from $1$ (EII) to $K d (d + 1) / 2$
(VVV, full); tied has $d (d + 1) / 2$, diag $K d$ and spherical $K$. gmmkit's
`select_model` fits every $K$ from $1$ to $9$ with each of the fourteen models and
keeps the lowest BIC.

## 10. Reading a fit

- **Soft assignment**: the responsibilities $r_{nk}$; the hard label is
  $\arg\max_k r_{nk}$.
- **Uncertainty**: $1 - \max_k r_{nk}$, near $0$ for a point one component
  clearly owns, up to $1 - 1/K$ for a point shared equally.
- **Anomalies**: points where the fitted density $\log p(x_n \mid \hat{\theta})$
  is low, for example below its 1st percentile over the training data.
"""

_DISPLAY = "$$"
_INLINE = re.compile(r"\$([^$]+)\$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def theory_markdown() -> str:
    """The derivation as GitHub Markdown (the content of ``docs/theory.md``).

    Returns
    -------
    text : str
    """
    header = (
        f"# {TITLE}\n\n"
        "<!-- Generated by `python -m gmmkit.report.theory > docs/theory.md` "
        "from gmmkit/report/theory.py; edit that file, not this one. -->\n"
    )
    return header + THEORY


def theory_html(heading_level: int = 3) -> str:
    """The derivation as HTML with MathML equations (for the report).

    Parameters
    ----------
    heading_level : int, default=3
        HTML heading level of the numbered sections.

    Returns
    -------
    html : str
    """
    return markdown_to_html(THEORY, heading_level)


def markdown_to_html(text: str, heading_level: int = 3) -> str:
    """Convert the Markdown subset the derivation uses to HTML.

    The subset: ``## headings``, paragraphs, ``- `` and ``1. `` lists, ``$$``
    display blocks, ``$...$`` inline math, ``**bold**`` and ```code```.

    Parameters
    ----------
    text : str
    heading_level : int, default=3

    Returns
    -------
    html : str
    """
    out: list[str] = []
    lines = text.strip("\n").split("\n")
    i = 0
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            body = "".join(f"<li>{_inline(item)}</li>" for item in items)
            out.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if stripped == _DISPLAY:
            flush()
            end = lines.index(_DISPLAY, i + 1)
            tex = " ".join(s.strip() for s in lines[i + 1 : end])
            out.append(f'<div class="equation">{tex_to_mathml(tex, True)}</div>')
            i = end + 1
            continue
        if not stripped:
            flush()
        elif stripped.startswith("#"):
            flush()
            title = stripped.lstrip("#").strip()
            level = heading_level
            out.append(f"<h{level}>{_inline(title)}</h{level}>")
        elif stripped.startswith("- ") or re.match(r"\d+\. ", stripped):
            if paragraph:
                flush()
            tag = "ul" if stripped.startswith("- ") else "ol"
            if items and tag != list_tag:
                flush()
            list_tag = tag
            items.append(re.sub(r"^(- |\d+\. )", "", stripped))
        elif items and line.startswith("  "):
            items[-1] += " " + stripped
        else:
            if items:
                flush()
            paragraph.append(stripped)
        i += 1
    flush()
    return "\n".join(out)


def _inline(text: str) -> str:
    """Inline Markdown: math, code and bold; everything else is escaped."""
    parts = []
    last = 0
    for match in _INLINE.finditer(text):
        parts.append(_text(text[last : match.start()]))
        parts.append(tex_to_mathml(match.group(1)))
        last = match.end()
    parts.append(_text(text[last:]))
    return "".join(parts)


def _text(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(theory_markdown())
