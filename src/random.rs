//! The one random generator of the tests and the benchmark: deterministic, so a failure or a
//! figure comes back with the same data on every run.

/// A 64-bit linear congruential generator with Knuth's MMIX constants: plenty for generated
/// fleets, and no dependency.
#[derive(Clone, Debug)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }

    /// A whole number in `0..below`, from the generator's better high bits.
    pub fn below(&mut self, below: u64) -> u64 {
        (self.step() >> 33) % below
    }

    /// A number in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.step() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::Lcg;

    #[test]
    fn the_same_seed_gives_the_same_numbers_within_their_ranges() {
        let (mut a, mut b) = (Lcg::new(7), Lcg::new(7));
        for _ in 0..1000 {
            let (x, y) = (a.below(10), b.below(10));
            assert_eq!(x, y);
            assert!(x < 10);
            let u = a.unit();
            assert_eq!(u, b.unit());
            assert!((0.0..1.0).contains(&u));
        }
        assert_ne!(Lcg::new(8).below(1 << 30), Lcg::new(7).below(1 << 30));
    }
}
