//! Every model passes the conformance suite.

use aaiti_models::conformance::{
    check_classifier, check_model, classification_data, regression_data,
};
use aaiti_models::*;

#[test]
fn logistic_binary() {
    let (x, y) = classification_data(300, 4, 2, 1);
    check_classifier(
        &LogisticRegressionParams::new().alpha(0.5),
        x.view(),
        y.view(),
        1e-12,
    );
}

#[test]
fn logistic_multinomial() {
    let (x, y) = classification_data(300, 4, 3, 2);
    check_classifier(&LogisticRegressionParams::new(), x.view(), y.view(), 1e-12);
}

#[test]
fn decision_tree() {
    let (x, y) = classification_data(300, 5, 3, 3);
    check_classifier(
        &DecisionTreeParams::new().max_depth(Some(6)),
        x.view(),
        y.view(),
        1e-12,
    );
}

#[test]
fn random_forest() {
    let (x, y) = classification_data(300, 5, 3, 4);
    check_classifier(
        &RandomForestParams::new().n_trees(25).seed(9),
        x.view(),
        y.view(),
        1e-12,
    );
}

#[test]
fn gaussian_nb() {
    let (x, y) = classification_data(300, 4, 4, 5);
    check_classifier(&GaussianNbParams::new(), x.view(), y.view(), 1e-12);
}

#[test]
fn linear_regression() {
    let (x, y) = regression_data(200, 4, 6);
    check_model(&LinearRegressionParams::new(), x.view(), y.view());
}

#[test]
fn elastic_net() {
    let (x, y) = regression_data(200, 4, 7);
    check_model(
        &ElasticNetParams::new().alpha(0.05).l1_ratio(0.7),
        x.view(),
        y.view(),
    );
}

#[test]
fn model_spec_any_model() {
    let (x, y) = classification_data(200, 4, 3, 8);
    for json in [
        r#"{"model": "logistic_regression", "alpha": 0.5}"#,
        r#"{"model": "decision_tree", "max_depth": 4}"#,
        r#"{"model": "random_forest", "n_trees": 10, "seed": 3}"#,
        r#"{"model": "gaussian_nb"}"#,
    ] {
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        assert!(spec.is_classifier());
        check_classifier(&spec, x.view(), y.view(), 1e-12);
    }
    let (x, y) = regression_data(200, 4, 9);
    for json in [
        r#"{"model": "linear_regression"}"#,
        r#"{"model": "elastic_net", "alpha": 0.1}"#,
    ] {
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        assert!(!spec.is_classifier());
        check_model(&spec, x.view(), y.view());
        let m = spec
            .fit(&TrainData::new(x.view(), y.view()).unwrap())
            .unwrap();
        assert!(matches!(
            m.predict_proba(x.view()),
            Err(Error::NotAClassifier { .. })
        ));
        assert!(m.class_labels().is_none());
    }
}

#[test]
fn spec_round_trips_and_refuses_unknown_fields() {
    let spec = ModelSpec::RandomForest(RandomForestParams::new().n_trees(7).seed(1));
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), spec);
    assert!(
        serde_json::from_str::<ModelSpec>(r#"{"model": "random_forest", "n_tree": 7}"#).is_err()
    );
    assert!(serde_json::from_str::<ModelSpec>(r#"{"model": "svm"}"#).is_err());
    let lstm: ModelSpec = serde_json::from_str(
        r#"{"model": "lstm", "lookback": 16, "train": {"epochs": 3, "device": {"cuda": 0}}}"#,
    )
    .unwrap();
    assert_eq!(lstm.kind(), "lstm");
}

#[cfg(not(feature = "tch"))]
#[test]
fn networks_need_the_tch_feature() {
    let (x, y) = classification_data(50, 3, 2, 1);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let err = ModelSpec::Mlp(MlpParams::new()).fit(&data).unwrap_err();
    assert!(
        matches!(err, Error::FeatureDisabled { feature: "tch", .. }),
        "{err}"
    );
}

#[test]
fn invalid_params_carry_the_value() {
    let (x, y) = classification_data(50, 3, 2, 1);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let e = RandomForestParams::new().n_trees(0).fit(&data).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParam {
                name: "n_trees",
                ..
            }
        ),
        "{e}"
    );
    let e = ElasticNetParams::new().l1_ratio(1.5).check().unwrap_err();
    assert!(e.to_string().contains("1.5"), "{e}");
    let e = LogisticRegressionParams::new()
        .alpha(-1.0)
        .fit(&data)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidParam { name: "alpha", .. }));
    let e = LstmParams::new().lookback(0).check().unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidParam {
            name: "lookback",
            ..
        }
    ));
    let e = MlpParams::new().dropout(1.0).check().unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidParam {
            name: "dropout",
            ..
        }
    ));
}

#[test]
fn bad_training_data_is_typed() {
    let x = ndarray::Array2::<f64>::zeros((4, 2));
    let y = ndarray::Array1::from(vec![0.0, 1.0, 0.5, 1.0]);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let e = LogisticRegressionParams::new().fit(&data).unwrap_err();
    assert!(matches!(e, Error::InvalidLabel { row: 2, .. }), "{e}");
    let y1 = ndarray::Array1::from(vec![1.0; 4]);
    let e = LogisticRegressionParams::new()
        .fit(&TrainData::new(x.view(), y1.view()).unwrap())
        .unwrap_err();
    assert!(matches!(e, Error::TooFewClasses { got: 1, need: 2 }), "{e}");
    let short = ndarray::Array1::from(vec![1.0; 3]);
    assert!(matches!(
        TrainData::new(x.view(), short.view()),
        Err(Error::LengthMismatch {
            features: 4,
            targets: 3
        })
    ));
    let mut yn = y1.clone();
    yn[3] = f64::NAN;
    assert!(matches!(
        TrainData::new(x.view(), yn.view()),
        Err(Error::NonFiniteTarget { row: 3, .. })
    ));
}

#[test]
fn fitted_models_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AnyModel>();
    assert_send_sync::<RandomForest>();
    assert_send_sync::<ModelSpec>();
}

#[test]
fn forest_is_seeded_and_thread_independent() {
    let (x, y) = classification_data(200, 5, 3, 11);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let a = RandomForestParams::new()
        .n_trees(16)
        .seed(1)
        .fit(&data)
        .unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| {
        RandomForestParams::new()
            .n_trees(16)
            .seed(1)
            .fit(&data)
            .unwrap()
    });
    assert_eq!(a, b);
    let c = RandomForestParams::new()
        .n_trees(16)
        .seed(2)
        .fit(&data)
        .unwrap();
    assert_ne!(a, c);
}
